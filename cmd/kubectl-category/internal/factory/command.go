package factory

import (
	"regexp"
	"strconv"
	"strings"
)

// ConnectionFlags are the flags that chose the cluster and the identity, as the user gave them:
// a command printed with them talks to the same cluster as the same user (--kubeconfig,
// --context, --as, ...). Credentials (--token, --username, --password) are never printed:
// they would end up in scrollback and logs, and a command without them fails rather than
// decides as someone else.
func (f *Factory) ConnectionFlags() []string {
	cf := f.ConfigFlags
	var out []string
	str := func(name string, v *string) {
		if v != nil && *v != "" {
			out = append(out, "--"+name, *v)
		}
	}
	str("kubeconfig", cf.KubeConfig)
	str("context", cf.Context)
	str("cluster", cf.ClusterName)
	str("user", cf.AuthInfoName)
	str("server", cf.APIServer)
	str("tls-server-name", cf.TLSServerName)
	str("certificate-authority", cf.CAFile)
	str("client-certificate", cf.CertFile)
	str("client-key", cf.KeyFile)
	if cf.Insecure != nil && *cf.Insecure {
		out = append(out, "--insecure-skip-tls-verify")
	}
	str("proxy-url", cf.ProxyURL)
	str("as", cf.Impersonate)
	str("as-uid", cf.ImpersonateUID)
	for _, list := range []struct {
		name   string
		values *[]string
	}{{"as-group", cf.ImpersonateGroup}, {"as-user-extra", cf.ImpersonateUserExtra}} {
		if list.values != nil {
			for _, v := range *list.values {
				out = append(out, "--"+list.name, v)
			}
		}
	}
	return out
}

// CommandLine renders `kubectl category VERB NAME -n NS`, then flags (the connection flags
// first, see ConnectionFlags), then extra, as one line a user can copy into a shell.
func CommandLine(verb, name, ns string, flags []string, extra ...string) string {
	words := append([]string{"kubectl", "category", verb, name, "-n", ns}, flags...)
	return Words(append(words, extra...)...)
}

// Words joins words into a shell command line, quoting those a shell would not read as they are.
func Words(words ...string) string {
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = shellQuote(w)
	}
	return strings.Join(out, " ")
}

// Command is CommandLine with this invocation's connection flags.
func (f *Factory) Command(verb, name, ns string, extra ...string) string {
	return CommandLine(verb, name, ns, f.ConnectionFlags(), extra...)
}

var shellSafe = regexp.MustCompile(`^[A-Za-z0-9_./:@%+=,~-]+$`)

// shellQuote leaves a word alone when a POSIX shell reads it as it is, and otherwise quotes
// it: in single quotes, or, when it holds characters a terminal would act on, in bash's $'...'
// with those characters escaped, so the line stays printable and pastes back the same word.
func shellQuote(w string) string {
	if shellSafe.MatchString(w) && !strings.HasPrefix(w, "~") {
		return w
	}
	if !strings.ContainsFunc(w, func(r rune) bool { return !strconv.IsGraphic(r) }) {
		return "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
	}
	var b strings.Builder
	b.WriteString("$'")
	for _, r := range w {
		switch {
		case r == '\\' || r == '\'':
			b.WriteString(`\` + string(r))
		case strconv.IsGraphic(r):
			b.WriteRune(r)
		default:
			q := strconv.QuoteRune(r) // '\x1b', '\u202e', '\n'
			b.WriteString(q[1 : len(q)-1])
		}
	}
	b.WriteString("'")
	return b.String()
}
