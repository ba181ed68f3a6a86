package v1alpha1

import (
	"crypto/sha256"
	"encoding/hex"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// MaxReuseNamed bounds the applications a FileReuseReport names per file: a file that 10,000
// applications share is one entry with ten names and a total, not 10,000 names.
const MaxReuseNamed = 10

// ApplicationReference names an application of any namespace, with its merchant's AppID.
type ApplicationReference struct {
	// namespace of the application.
	// +required
	// +kubebuilder:validation:MaxLength=63
	Namespace string `json:"namespace"`
	// name of the application.
	// +required
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
	// appID of its merchant.
	// +optional
	// +kubebuilder:validation:MaxLength=18
	AppID string `json:"appID,omitempty"`
}

// ReusedFile is one file of an application that applications of other merchants also hold.
type ReusedFile struct {
	// sha256 of the file: "sha256:" and 64 hex digits (a Secret file's digest recorded in
	// status.secretFiles, or a URL file's pinned sha256).
	// +required
	// +kubebuilder:validation:MaxLength=71
	SHA256 string `json:"sha256"`
	// applications of other AppIDs that hold the same file, sorted by namespace and name: at
	// most MaxReuseNamed (10).
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=10
	Applications []ApplicationReference `json:"applications,omitempty"`
	// total is how many applications of other AppIDs hold it, named or not.
	// +required
	// +kubebuilder:validation:Minimum=1
	Total int32 `json:"total"`
}

// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,shortName=reuse,categories=qualification
// +kubebuilder:printcolumn:name="Namespace",type=string,JSONPath=`.application.namespace`
// +kubebuilder:printcolumn:name="Application",type=string,JSONPath=`.application.name`
// +kubebuilder:printcolumn:name="AppID",type=string,JSONPath=`.application.appID`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`

// FileReuseReport lists the files of one application whose sha256 also appears in
// applications of other merchants (other AppIDs), naming them (D34). It names other tenants'
// applications, so it is cluster-scoped and readable by the reviewer roles only, never written
// to the application or its namespace. The operator owns it: it exists while the application
// has such a file, named by FileReuseReportName.
type FileReuseReport struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// application the report is about.
	// +required
	Application ApplicationReference `json:"application"`

	// files of the application that applications of other AppIDs hold too, by sha256. An
	// application holds at most 960 files (32 materials of 20 files and 10 recordings).
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=960
	Files []ReusedFile `json:"files,omitempty"`
}

// +kubebuilder:object:root=true

// FileReuseReportList contains a list of FileReuseReport.
type FileReuseReportList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []FileReuseReport `json:"items"`
}

// FileReuseReportName is the name of the report about application name in namespace:
// "<namespace>.<name>" (a namespace has no dots, so no two applications share it), or, past
// the 253 characters a name may have, the namespace and a digest of the name.
func FileReuseReportName(namespace, name string) string {
	if s := namespace + "." + name; len(s) <= 253 {
		return s
	}
	sum := sha256.Sum256([]byte(name))
	return namespace + "." + hex.EncodeToString(sum[:16])
}

func init() {
	SchemeBuilder.Register(&FileReuseReport{}, &FileReuseReportList{})
}
