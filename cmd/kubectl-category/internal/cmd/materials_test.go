package cmd_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/filekind"
	"github.com/channelshop/category-operator/internal/testenv"
)

// Bytes that look like what merchants upload: content detection names the files by them.
var (
	jpeg     = []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01the sealed filing letter")
	mp4      = []byte("\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isommp41 the screen recording")
	pdf      = []byte("%PDF-1.7\nthe business license\n")
	png      = append(filekind.PNG(), " the sales flow screenshot"...) // a viewer stops at IEND
	officeJP = []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01the office interior")
	// licenseText is text where a scan of the license should be (D33).
	licenseText = []byte("business license No. 91310000MA1FL0XX, valid until 2036")
)

func hexSum(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// fileServer serves the sample's URL files over TLS on loopback; urlFiles points the sample's
// four URL references at it, with their true digests except where wrong names the file.
type fileServer struct {
	url, caFile string
}

func serveFiles(t *testing.T) fileServer {
	t.Helper()
	files := map[string][]byte{"/license.pdf": pdf, "/proof.mp4": mp4, "/sales-flow.png": png, "/office.jpg": officeJP, "/license.txt": licenseText}
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if b, ok := files[r.URL.Path]; ok {
			_, _ = w.Write(b)
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(srv.Close)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	return fileServer{url: srv.URL, caFile: ca}
}

func (s fileServer) urlFiles(wrong string) func(*qualv1.CategoryApplication) {
	return func(app *qualv1.CategoryApplication) {
		m := app.Spec.Materials
		for _, f := range []struct {
			ref  *qualv1.FileRef
			path string
			data []byte
		}{
			{&m[1].Files[0], "/license.pdf", pdf}, {&m[3].Recordings[0], "/proof.mp4", mp4},
			{&m[5].Files[0], "/sales-flow.png", png}, {&m[7].Files[1], "/office.jpg", officeJP},
		} {
			f.ref.URL, f.ref.SHA256 = s.url+f.path, hexSum(f.data)
			if f.path == wrong {
				f.ref.SHA256 = hexSum([]byte("the file the merchant meant to upload"))
			}
		}
	}
}

// flags are the hidden test flags: trust the test CA, allow loopback.
func (s fileServer) flags() []string {
	return []string{"--url-ca-file", s.caFile, "--allow-loopback"}
}

// grantMaterials binds the shipped opt-in role config/rbac/reviewer_materials_role.yaml to
// alice in namespace ns, as the README tells a platform to.
func grantMaterials(t *testing.T, ns string) {
	t.Helper()
	g := NewWithT(t)
	ctx := context.Background()
	g.Expect(env.EnsureNamespace(ctx, ns)).To(Succeed())
	g.Expect(env.BindRoleInNamespace(ctx, "reviewer_materials_role.yaml", ns, testenv.User("alice"))).To(Succeed())
}

// materialsSecret creates the sample's Secret in ns before createApp does, with the test's
// photo and recording bytes in place of two of the sample's, edited by edit.
func materialsSecret(t *testing.T, ns string, edit ...func(*corev1.Secret)) *corev1.Secret {
	t.Helper()
	g := NewWithT(t)
	secrets, err := decode[corev1.Secret]("config/samples/02-secrets.yaml")
	g.Expect(err).NotTo(HaveOccurred())
	sec := secrets[0]
	sec.Namespace = ns
	sec.Data["filing-letter.jpg"], sec.Data["selling-reputation.mp4"] = jpeg, mp4
	for _, e := range edit {
		e(sec)
	}
	g.Expect(env.EnsureNamespace(context.Background(), ns)).To(Succeed())
	g.Expect(admin.Create(context.Background(), sec)).To(Succeed())
	return sec
}

func listDir(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = b
	}
	return out
}

// TestMaterialsFetchesAndVerifiesEveryFile: a reviewer bound to the opt-in role fetches every
// file of the round; Secret files are checked against the digests the operator recorded, URL
// files against the spec's; a URL file whose bytes differ from its digest is refused and not
// kept; once the merchant fixes it, the new generation's files all verify and the command gives
// the approve command for exactly that round.
func TestMaterialsFetchesAndVerifiesEveryFile(t *testing.T) {
	g := NewWithT(t)
	const ns = "materials"
	srv := serveFiles(t)
	grantMaterials(t, ns)
	sec := materialsSecret(t, ns)
	createApp(t, ns, "acme-gold", srv.urlFiles("/sales-flow.png"))
	app := waitForPhase(t, ns, "acme-gold", qualv1.PhaseUnderReview)

	t.Chdir(t.TempDir()) // the default folder is made in the current one
	r := run(t, "alice", append([]string{"materials", "acme-gold", "-n", ns}, srv.flags()...)...)
	g.Expect(r.err).To(MatchError("1 of 12 files were not fetched and verified; see above and acme-gold-generation-1/index.md"))
	g.Expect(r.errOut).To(ContainSubstring("06-SalesFlow-file-1 (6. SalesFlow files[0], " + srv.url + "/sales-flow.png): sha256 mismatch: the server sent sha256:" +
		hexSum(png) + ", the spec pins sha256:" + hexSum([]byte("the file the merchant meant to upload")) + "; the bytes were discarded\n"))

	files := listDir(t, "acme-gold-generation-1")
	want := map[string][]byte{
		"01-FilingLetter-file-1.jpg":            jpeg,
		"02-BusinessLicense-file-1.pdf":         pdf,
		"03-TrademarkRegistration-file-1.jpg":   sec.Data["trademark-registration.jpg"],
		"04-QualificationProof-file-1.png":      sec.Data["qualification-proof.png"],
		"04-QualificationProof-recording-1.mp4": mp4,
		"05-SellingReputation-file-1.png":       sec.Data["selling-reputation.png"],
		"05-SellingReputation-recording-1.mp4":  mp4,
		"06-SalesFlow-recording-1.mp4":          sec.Data["sales-flow.mp4"],
		"07-PriorPlatform-file-1.png":           sec.Data["douyin-account.png"],
		"08-StoreProof-file-1.jpg":              sec.Data["office-front-desk.jpg"],
		"08-StoreProof-file-2.jpg":              officeJP,
	}
	for name, data := range want {
		g.Expect(files).To(HaveKeyWithValue(name, data), name)
	}
	g.Expect(files).To(HaveLen(len(want)+1), "the files and index.md; nothing of the refused download")
	for name, data := range files {
		g.Expect(data).NotTo(Equal(png), "the refused bytes are not kept, under any name (%s)", name)
	}

	index := string(files["index.md"])
	g.Expect(index).To(ContainSubstring("# Materials of materials/acme-gold, generation 1\n"))
	g.Expect(index).To(ContainSubstring("materials digest " + app.Status.MaterialsDigest))
	g.Expect(index).To(ContainSubstring("| 01-FilingLetter-file-1.jpg | 1. FilingLetter files[0] | secret acme-gold-materials, key filing-letter.jpg | " +
		strconv.Itoa(len(jpeg)) + " | sha256:" + hexSum(jpeg) + " | image/jpeg | sha256:" + hexSum(jpeg) + " recorded by the operator for this round | " +
		"verified: its sha256 is the one the operator recorded for this round |\n"))
	g.Expect(index).To(ContainSubstring("| 03-TrademarkRegistration-file-1.jpg | 3. TrademarkRegistration files[0] | secret acme-gold-materials, key trademark-registration.jpg |"))
	g.Expect(index).NotTo(ContainSubstring("D33"), "every file is of its kind")
	g.Expect(index).To(ContainSubstring("| 02-BusinessLicense-file-1.pdf | 2. BusinessLicense files[0] | " + srv.url + "/license.pdf | " + strconv.Itoa(len(pdf)) + " | sha256:" + hexSum(pdf) +
		" | application/pdf | sha256:" + hexSum(pdf) + " pinned in the spec | verified: its sha256 is the one the spec pins |\n"))
	g.Expect(index).To(ContainSubstring("| - | 6. SalesFlow files[0] | "+srv.url+"/sales-flow.png | "+strconv.Itoa(len(png))+" | sha256:"+hexSum(png)+" |  | sha256:"+
		hexSum([]byte("the file the merchant meant to upload"))+" pinned in the spec | FAILED: sha256 mismatch"), "what the server sent is described, not kept")
	g.Expect(r.out).To(MatchRegexp(`(?m)^1\. FilingLetter files\[0\] +01-FilingLetter-file-1\.jpg +` + strconv.Itoa(len(jpeg)) + ` B +image/jpeg +yes: its sha256 is the one the operator recorded for this round$`))
	g.Expect(r.out).To(MatchRegexp(`(?m)^6\. SalesFlow files\[0\] +- +- +- +FAILED \(below\)$`))
	g.Expect(r.out).NotTo(ContainSubstring("kubectl category approve"), "no approve command while a file failed")

	// A second run does not mix its files with the first's.
	r = run(t, "alice", append([]string{"materials", "acme-gold", "-n", ns}, srv.flags()...)...)
	g.Expect(r.err).To(MatchError("acme-gold-generation-1 already exists and is not empty: remove it or choose another --output-dir"))

	// The merchant pins the file they serve: generation 2, every file verifies.
	app = getApp(t, ns, "acme-gold")
	app.Spec.Materials[5].Files[0].SHA256 = hexSum(png)
	g.Expect(admin.Update(context.Background(), app)).To(Succeed())
	app = waitForPhase(t, ns, "acme-gold", qualv1.PhaseUnderReview)
	g.Expect(app.Generation).To(Equal(int64(2)))
	r = run(t, "alice", append([]string{"materials", "acme-gold", "-n", ns, "--output-dir", "review"}, srv.flags()...)...)
	g.Expect(r.err).NotTo(HaveOccurred())
	g.Expect(listDir(t, "review")).To(HaveKeyWithValue("06-SalesFlow-file-1.png", png))
	g.Expect(r.out).To(ContainSubstring("Every file is the one recorded for this round. To decide: kubectl category approve acme-gold -n materials --kubeconfig " +
		r.kubeconfig + " --generation 2 --materials-digest " + app.Status.MaterialsDigest + " "))
}

// TestMaterialsWithoutPermissionOnASecret: the reviewer may read one of the two Secrets; the
// other is named with the permission missing and how it is granted, and the rest is fetched.
// Without the flags, a loopback URL is refused at dial time.
func TestMaterialsWithoutPermissionOnASecret(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	const ns = "materials-forbidden"
	srv := serveFiles(t)
	materialsSecret(t, ns)
	g.Expect(admin.Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "acme-gold-private"},
		Data:       map[string][]byte{"office-front-desk.jpg": officeJP},
	})).To(Succeed())
	// Only the materials Secret, by name: what a platform may grant instead of the whole namespace.
	g.Expect(admin.Create(ctx, &rbacv1.Role{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "read-acme-gold-materials"},
		Rules:      []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"secrets"}, ResourceNames: []string{"acme-gold-materials"}, Verbs: []string{"get"}}},
	})).To(Succeed())
	g.Expect(admin.Create(ctx, &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "read-acme-gold-materials"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "read-acme-gold-materials"},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "alice"}},
	})).To(Succeed())
	createApp(t, ns, "acme-gold", srv.urlFiles(""), func(app *qualv1.CategoryApplication) {
		app.Spec.Materials[7].Files[0].SecretKeyRef.Name = "acme-gold-private"
	})
	waitForPhase(t, ns, "acme-gold", qualv1.PhaseUnderReview)

	dir := filepath.Join(t.TempDir(), "review")
	r := run(t, "alice", append([]string{"materials", "acme-gold", "-n", ns, "--output-dir", dir}, srv.flags()...)...)
	g.Expect(r.err).To(MatchError(HavePrefix("1 of 12 files were not fetched and verified")))
	g.Expect(r.errOut).To(ContainSubstring("08-StoreProof-file-1 (8. StoreProof files[0], secret acme-gold-private, key office-front-desk.jpg): " +
		"not fetched: you may not read Secret acme-gold-private (missing permission: get on secrets in namespace materials-forbidden)\n"))
	g.Expect(r.errOut).To(ContainSubstring("The platform grants it by binding the opt-in ClusterRole category-reviewer-materials (config/rbac/reviewer_materials_role.yaml) in that namespace: " +
		"kubectl create rolebinding category-reviewer-materials -n materials-forbidden --clusterrole category-reviewer-materials --group <the reviewers' group>\n"))
	g.Expect(r.errOut).NotTo(ContainSubstring("you may not read Secret acme-gold-materials"))
	files := listDir(t, dir)
	g.Expect(files).To(HaveLen(12), "11 files and index.md")
	g.Expect(files).To(HaveKeyWithValue("01-FilingLetter-file-1.jpg", jpeg))
	g.Expect(files).To(HaveKeyWithValue("08-StoreProof-file-2.jpg", officeJP))
	g.Expect(files).NotTo(HaveKey(HavePrefix("08-StoreProof-file-1")))

	// bob holds no Secret permission at all: every Secret file names it, URL files still come.
	r = run(t, "bob", append([]string{"materials", "acme-gold", "-n", ns, "--output-dir", filepath.Join(t.TempDir(), "bob")}, srv.flags()...)...)
	g.Expect(r.err).To(MatchError(HavePrefix("8 of 12 files were not fetched and verified")))
	g.Expect(r.errOut).To(ContainSubstring("you may not read Secret acme-gold-materials"))

	// Without --allow-loopback the URL files' loopback address is refused when dialling.
	r = run(t, "alice", "materials", "acme-gold", "-n", ns, "--output-dir", filepath.Join(t.TempDir(), "strict"), "--url-ca-file", srv.caFile)
	g.Expect(r.err).To(MatchError(HavePrefix("5 of 12 files were not fetched and verified")), "4 URL files and the unreadable Secret's")
	g.Expect(r.errOut).To(ContainSubstring("02-BusinessLicense-file-1 (2. BusinessLicense files[0], " + srv.url + "/license.pdf): not fetched: "))
	g.Expect(r.errOut).To(ContainSubstring("address 127.0.0.1 is a loopback address, refused"))
}

// TestMaterialsOfTheSample runs the command on config/samples as shipped: its Secret files are
// fetched and verified; its URL files point at files.acme.example, a reserved name no resolver
// answers, so each is named as not fetched.
func TestMaterialsOfTheSample(t *testing.T) {
	g := NewWithT(t)
	const ns = "shop-acme-materials"
	grantMaterials(t, ns)
	newApp(t, ns, "acme-gold")
	t.Chdir(t.TempDir())
	r := run(t, "alice", "materials", "acme-gold", "-n", ns)
	g.Expect(r.err).To(MatchError("4 of 12 files were not fetched and verified; see above and acme-gold-generation-1/index.md"))
	g.Expect(strings.Count(r.out, "yes: its sha256 is the one the operator recorded for this round\n")).To(Equal(8))
	g.Expect(strings.Count(r.errOut, `: not fetched: Get "https://files.acme.example/qualification/`)).To(Equal(4))
	g.Expect(listDir(t, "acme-gold-generation-1")).To(HaveLen(9), "8 Secret files and index.md")
}

// The default reviewer roles stay without Secret access: reading materials in Secrets is opt-in.
func TestDefaultReviewerRolesReadNoSecrets(t *testing.T) {
	g := NewWithT(t)
	for _, path := range []string{"config/rbac/reviewer_role.yaml", "config/rbac/reviewer_jewelry_role.yaml"} {
		roles, err := decode[rbacv1.ClusterRole](path)
		g.Expect(err).NotTo(HaveOccurred())
		for _, rule := range roles[0].Rules {
			g.Expect(rule.Resources).NotTo(ContainElement(BeElementOf("secrets", "*")), path)
		}
	}
	roles, err := decode[rbacv1.ClusterRole]("config/rbac/reviewer_materials_role.yaml")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(roles[0].Rules).To(Equal([]rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"get"}}}),
		"get only: reviewers read Secrets by the names applications give, never list them")
}

// TestMaterialsChecksFileKinds: materials applies the operator's D33 check to the bytes it
// reads, a Secret file's and a downloaded URL file's alike: text where a photo or a scan
// should be is named with the rule, the command fails, and the operator's finding names the
// Secret file too. Before D33 both were saved as .txt with exit status 0.
func TestMaterialsChecksFileKinds(t *testing.T) {
	g := NewWithT(t)
	const ns = "materials-kind"
	srv := serveFiles(t)
	grantMaterials(t, ns)
	materialsSecret(t, ns, func(sec *corev1.Secret) {
		sec.Data["filing-letter.jpg"] = []byte("placeholder: photo of the sealed filing letter")
	})
	createApp(t, ns, "acme-gold", srv.urlFiles(""), func(app *qualv1.CategoryApplication) {
		f := &app.Spec.Materials[1].Files[0]
		f.URL, f.SHA256 = srv.url+"/license.txt", hexSum(licenseText)
	})
	app := waitForPhase(t, ns, "acme-gold", qualv1.PhaseIncomplete)
	g.Expect(app.Status.Findings).To(ContainElement(qualv1.Finding{Rule: "D33", Field: "spec.materials[0].files[0].secretKeyRef",
		Message: `Secret "acme-gold-materials" key "filing-letter.jpg" holds plain text by its content, not an image or a PDF (a photo, scan or screenshot): upload the file itself, whatever its name says (D33)`}))

	dir := filepath.Join(t.TempDir(), "review")
	r := run(t, "alice", append([]string{"materials", "acme-gold", "-n", ns, "--output-dir", dir}, srv.flags()...)...)
	g.Expect(r.err).To(MatchError("2 of 12 files are not what their material needs (D33); see above and " + filepath.Join(dir, "index.md")))
	g.Expect(r.errOut).To(ContainSubstring("01-FilingLetter-file-1 (1. FilingLetter files[0], secret acme-gold-materials, key filing-letter.jpg): " +
		"the file holds plain text by its content, not an image or a PDF (a photo, scan or screenshot): upload the file itself, whatever its name says (D33)\n"))
	g.Expect(r.errOut).To(ContainSubstring("02-BusinessLicense-file-1 (2. BusinessLicense files[0], " + srv.url + "/license.txt): the file holds plain text by its content"))
	g.Expect(r.out).To(MatchRegexp(`(?m)^2\. BusinessLicense files\[0\] +02-BusinessLicense-file-1\.txt +55 B +text/plain WRONG KIND \(D33, below\) +yes: its sha256 is the one the spec pins$`))
	g.Expect(string(listDir(t, dir)["index.md"])).To(ContainSubstring("| text/plain (name says .jpg) WRONG KIND (D33, below) |"))
	// Files of their kind pass: the recordings are MP4, the other files images.
	g.Expect(r.errOut).NotTo(ContainSubstring("recording-1 ("))
}
