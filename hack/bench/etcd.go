package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// etcdQuota is etcd's --quota-backend-bytes here: 8 GiB, the ceiling etcd recommends and
// most managed clusters run with (etcd's default, 2 GiB, would not hold the Secrets run).
const etcdQuota = 8 << 30

// etcdSize compacts etcd's history away and defragments it, then returns the database's size
// in use: what the objects stored now take, without old revisions that kube-apiserver's
// periodic compaction would drop anyway. It talks to envtest's etcd through its gRPC gateway.
func (b *bench) etcdSize(ctx context.Context) (float64, error) {
	var st struct {
		Header struct {
			Revision string `json:"revision"`
		} `json:"header"`
		DBSize      string `json:"dbSize"`
		DBSizeInUse string `json:"dbSizeInUse"`
	}
	if err := b.etcdCall(ctx, "/v3/maintenance/status", map[string]any{}, &st); err != nil {
		return 0, err
	}
	if err := b.etcdCall(ctx, "/v3/kv/compaction", map[string]any{"revision": st.Header.Revision, "physical": true}, nil); err != nil {
		return 0, err
	}
	if err := b.etcdCall(ctx, "/v3/maintenance/defragment", map[string]any{}, nil); err != nil {
		return 0, err
	}
	if err := b.etcdCall(ctx, "/v3/maintenance/status", map[string]any{}, &st); err != nil {
		return 0, err
	}
	return strconv.ParseFloat(st.DBSizeInUse, 64)
}

func (b *bench) etcdCall(ctx context.Context, path string, body any, out any) error {
	raw, err := json.Marshal(body)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	u := b.env.ControlPlane.Etcd.URL.String() + path
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(raw))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("etcd %s: %w", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("etcd %s: %s", path, resp.Status)
	}
	if out == nil {
		return nil
	}
	return json.NewDecoder(resp.Body).Decode(out)
}
