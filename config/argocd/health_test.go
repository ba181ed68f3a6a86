// Package argocd tests the Argo CD health check with gopher-lua, the interpreter Argo CD embeds.
package argocd

import (
	"os"
	"testing"

	. "github.com/onsi/gomega"
	lua "github.com/yuin/gopher-lua"
)

func health(t *testing.T, obj map[string]any) (string, string) {
	t.Helper()
	script, err := os.ReadFile("health.lua")
	if err != nil {
		t.Fatal(err)
	}
	L := lua.NewState()
	defer L.Close()
	L.SetGlobal("obj", toLua(L, obj))
	if err := L.DoString(string(script)); err != nil {
		t.Fatal(err)
	}
	hs := L.Get(-1).(*lua.LTable)
	return hs.RawGetString("status").String(), hs.RawGetString("message").String()
}

func toLua(L *lua.LState, v any) lua.LValue {
	switch x := v.(type) {
	case map[string]any:
		t := L.NewTable()
		for k, e := range x {
			t.RawSetString(k, toLua(L, e))
		}
		return t
	case []any:
		t := L.NewTable()
		for _, e := range x {
			t.Append(toLua(L, e))
		}
		return t
	case string:
		return lua.LString(x)
	case int:
		return lua.LNumber(x)
	}
	return lua.LNil
}

func app(gen, observed int, conds ...[3]string) map[string]any {
	var cs []any
	for _, c := range conds {
		cs = append(cs, map[string]any{"type": c[0], "status": c[1], "message": c[2]})
	}
	return map[string]any{"metadata": map[string]any{"generation": gen},
		"status": map[string]any{"observedGeneration": observed, "conditions": cs}}
}

func TestHealth(t *testing.T) {
	for _, c := range []struct {
		name, want, msg string
		obj             map[string]any
	}{
		{"new", "Progressing", "Waiting for the operator", map[string]any{"metadata": map[string]any{"generation": 1}}},
		{"stale generation", "Progressing", "has not processed", app(2, 1, [3]string{"Ready", "True", "ok"})},
		{"under review", "Progressing", "awaiting", app(1, 1, [3]string{"Ready", "False", "awaiting a reviewer"})},
		{"requirements not met", "Degraded", "D11", app(1, 1, [3]string{"Stalled", "True", "platform (D11)"}, [3]string{"Ready", "False", "x"})},
		{"rejected", "Degraded", "seal", app(3, 3, [3]string{"Stalled", "True", "Rejected: seal"})},
		{"approved and listed", "Healthy", "listed", app(2, 2, [3]string{"Ready", "True", "approved and listed"})},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := NewWithT(t)
			status, msg := health(t, c.obj)
			g.Expect(status).To(Equal(c.want))
			g.Expect(msg).To(ContainSubstring(c.msg))
		})
	}
}
