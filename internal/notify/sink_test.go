package notify

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func secret(data map[string]string) *corev1.Secret {
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "shop-acme", Name: "acme-notify"}, Data: map[string][]byte{}}
	for k, v := range data {
		s.Data[k] = []byte(v)
	}
	return s
}

func TestSinkFromSecretAccepts(t *testing.T) {
	cases := []struct {
		name   string
		data   map[string]string
		host   string
		format Format
		token  string
	}{
		{"https with token and wecom", map[string]string{"address": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abcd-1234", "token": "s3cret", "format": "wecom"}, "qyapi.weixin.qq.com", FormatWeCom, "s3cret"},
		{"https, format defaults to generic", map[string]string{"address": " https://hooks.example.com/catapp\n"}, "hooks.example.com", FormatGeneric, ""},
		{"explicit generic", map[string]string{"address": "https://hooks.example.com", "format": "generic\n"}, "hooks.example.com", FormatGeneric, ""},
		{"http to 127.0.0.1", map[string]string{"address": "http://127.0.0.1:8080/hook"}, "127.0.0.1:8080", FormatGeneric, ""},
		{"http to elsewhere in 127/8", map[string]string{"address": "http://127.1.2.3/hook"}, "127.1.2.3", FormatGeneric, ""},
		{"http to ::1", map[string]string{"address": "http://[::1]:9000/"}, "[::1]:9000", FormatGeneric, ""},
		{"http to localhost", map[string]string{"address": "http://LocalHost:9000/"}, "LocalHost:9000", FormatGeneric, ""},
		// Plain http and internal addresses parse: the Sender refuses them when sending (its
		// flags, and the address a name resolves to at connect time, decide).
		{"http to a public host", map[string]string{"address": "http://example.com/hook"}, "example.com", FormatGeneric, ""},
		{"https to a private IP", map[string]string{"address": "https://10.0.0.1/hook"}, "10.0.0.1", FormatGeneric, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := NewWithT(t)
			sink, err := SinkFromSecret("secret/acme-notify", secret(c.data))
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(sink.Name).To(Equal("secret/acme-notify"))
			g.Expect(sink.Address.Host).To(Equal(c.host))
			g.Expect(sink.Format).To(Equal(c.format))
			g.Expect(string(sink.Token)).To(Equal(c.token))
		})
	}
}

func TestSinkFromSecretStringDataOverridesData(t *testing.T) {
	g := NewWithT(t)
	s := secret(map[string]string{"address": "https://old.example.com"})
	s.StringData = map[string]string{"address": "https://new.example.com", "token": "tok"}
	sink, err := SinkFromSecret("reviewers", s)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(sink.Address.Host).To(Equal("new.example.com"))
	g.Expect(sink.Token).To(Equal([]byte("tok")))
}

func TestSinkFromSecretRefuses(t *testing.T) {
	const token = "TOPSECRETTOKEN"
	cases := []struct {
		name string
		data map[string]string
		want []string // substrings of the error
	}{
		{"another scheme", map[string]string{"address": "ftp://files.example.com/x"}, []string{`"address"`, `"ftp"`, "https"}},
		{"missing address", map[string]string{}, []string{`"address"`, "missing"}},
		{"empty address", map[string]string{"address": "  \n"}, []string{`"address"`, "missing"}},
		{"no host", map[string]string{"address": "https:///hook?key=QUERYSECRET"}, []string{`"address"`, "host"}},
		{"relative", map[string]string{"address": "/hook"}, []string{`"address"`, "host"}},
		{"not a URL", map[string]string{"address": "https://exa mple.com/%zz?key=QUERYSECRET"}, []string{`"address"`}},
		{"unknown format", map[string]string{"address": "https://hooks.example.com", "format": "slack"}, []string{`"format"`, `"slack"`, `"generic"`, `"wecom"`, `"cloudevents"`}},
		{"signing key without whsec_", map[string]string{"address": "https://hooks.example.com", "signingKey": "TOPSECRETTOKEN"}, []string{`"signingKey"`, `"whsec_"`}},
		{"signing key not base64", map[string]string{"address": "https://hooks.example.com", "signingKey": "whsec_TOPSECRETTOKEN!"}, []string{`"signingKey"`, "base64"}},
		{"signing key too short", map[string]string{"address": "https://hooks.example.com", "previousSigningKey": "whsec_VE9QU0VDUkVUVE9LRU4="}, []string{`"previousSigningKey"`, "14 bytes", "24 to 64"}},
		{"signing key on wecom", map[string]string{"address": "https://hooks.example.com", "format": "wecom", "signingKey": "whsec_" + strings.Repeat("A", 32)}, []string{`"signingKey"`, `"wecom"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := NewWithT(t)
			data := map[string]string{"token": token}
			for k, v := range c.data {
				data[k] = v
			}
			_, err := SinkFromSecret("secret/acme-notify", secret(data))
			g.Expect(err).To(HaveOccurred())
			g.Expect(ErrorClass(err)).To(Equal(ClassInvalidSink))
			for _, w := range c.want {
				g.Expect(err.Error()).To(ContainSubstring(w))
			}
			g.Expect(err.Error()).To(ContainSubstring("acme-notify"))
			g.Expect(err.Error()).NotTo(ContainSubstring(token))
			g.Expect(err.Error()).NotTo(ContainSubstring("QUERYSECRET"))
			g.Expect(err.Error()).NotTo(ContainSubstring("VE9QU0VDUkVUVE9LRU4"))
		})
	}
}

func TestSinkFromSecretNilAndUnnamed(t *testing.T) {
	g := NewWithT(t)
	_, err := SinkFromSecret("secret/x", nil)
	g.Expect(err).To(HaveOccurred())
	_, err = SinkFromSecret("", secret(map[string]string{"address": "https://hooks.example.com"}))
	g.Expect(err).To(HaveOccurred())
}

func TestSinkPrintsWithoutSecrets(t *testing.T) {
	g := NewWithT(t)
	u, err := url.Parse("https://robot:PASSWORDSECRET@qyapi.weixin.qq.com/cgi-bin/webhook/send?key=QUERYSECRET")
	g.Expect(err).NotTo(HaveOccurred())
	sink := Sink{Name: "secret/acme", Address: u, Token: []byte("TOPSECRETTOKEN"), Format: FormatWeCom}
	out := fmt.Sprintf("%v|%+v|%#v|%s|%v", sink, sink, sink, sink, &sink)
	g.Expect(out).To(ContainSubstring("secret/acme"))
	g.Expect(out).To(ContainSubstring("https://qyapi.weixin.qq.com"))
	for _, secret := range []string{"TOPSECRETTOKEN", "QUERYSECRET", "PASSWORDSECRET", "key="} {
		g.Expect(out).NotTo(ContainSubstring(secret))
	}
}
