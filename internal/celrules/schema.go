package celrules

import (
	"fmt"
	"sync"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/checker"

	apiextensionsinternal "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel/model"
	"k8s.io/apimachinery/pkg/util/version"
	apiservercel "k8s.io/apiserver/pkg/cel"
	celcommon "k8s.io/apiserver/pkg/cel/common"
	"k8s.io/apiserver/pkg/cel/environment"
	"k8s.io/apiserver/pkg/cel/library"
	"sigs.k8s.io/yaml"

	"github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/config/crd"
)

// VariableName is the CEL variable the application is bound to, as in a ValidatingAdmissionPolicy.
const VariableName = "object"

// applicationCRDFile is the generated CRD whose schema the API server enforces on applications.
const applicationCRDFile = "bases/qualification.channelshop.dev_categoryapplications.yaml"

// typeName is the CEL type name of `object`. Unlike CRD rules (which use a random name so that
// nobody depends on it) it is stable, so a rule's meaning does not change across restarts.
const typeName = "qualification.channelshop.dev.v1alpha1.CategoryApplication"

// celEnv is everything Compile and Evaluate need that depends only on the CRD schema. Building
// it parses the CRD and extends the Kubernetes base environment, which takes tens of
// milliseconds, so it is done once per process.
type celEnv struct {
	// schema is the structural schema `object` is typed and converted with: the CRD's, with
	// status removed and metadata reduced to name, namespace and labels.
	schema *structuralschema.Structural
	// valSchema is schema adapted for UnstructuredToVal, with children built once.
	valSchema celcommon.Schema
	// env is the Kubernetes CEL environment (NewExpressions at the default compatibility
	// version) with `object` declared.
	env *cel.Env
	// estimator is the CRD cost estimator: list and string sizes come from the schema's
	// maxItems/maxLength, so the estimate is a bound for every object the API server admits.
	estimator *library.CostEstimator
}

var (
	envOnce sync.Once
	envVal  *celEnv
	envErr  error
)

// loadEnv returns the process-wide environment, building it on first use. An error here means
// the embedded CRD is broken: a build problem, reported on every call rather than a panic.
func loadEnv() (*celEnv, error) {
	envOnce.Do(func() { envVal, envErr = buildEnv() })
	return envVal, envErr
}

func buildEnv() (*celEnv, error) {
	s, err := applicationSchema()
	if err != nil {
		return nil, err
	}
	declType := model.SchemaDeclType(s, false)
	if declType == nil {
		return nil, fmt.Errorf("CategoryApplication schema has no CEL type")
	}
	declType = declType.MaybeAssignTypeName(typeName)

	envSet, err := environment.MustBaseEnvSet(environment.DefaultCompatibilityVersion()).Extend(
		environment.VersionedOptions{
			// Always present, like `self` in CRD rules.
			IntroducedVersion: version.MajorMinor(1, 0),
			EnvOptions:        []cel.EnvOption{cel.Variable(VariableName, declType.CelType())},
			DeclTypes:         []*apiservercel.DeclType{declType},
		},
	)
	if err != nil {
		return nil, fmt.Errorf("building CEL environment: %w", err)
	}
	return &celEnv{
		schema:    s,
		valSchema: newCachedSchema(s),
		env:       envSet.NewExpressionsEnv(),
		estimator: &library.CostEstimator{SizeEstimator: &sizeEstimator{root: declType}},
	}, nil
}

// applicationSchema reads the CategoryApplication CRD's structural schema and shapes it for
// custom rules:
//   - status is removed: rules judge what the merchant submitted, and a rule reading the
//     status the controller writes (findings, phase) would feed back into itself;
//   - metadata, which a CRD schema leaves as a bare object, gets name, namespace and labels
//     with the lengths Kubernetes allows (so the cost estimator can bound them);
//   - apiVersion and kind are kept, capped like CRD rules cap them.
func applicationSchema() (*structuralschema.Structural, error) {
	data, err := crd.Bases.ReadFile(applicationCRDFile)
	if err != nil {
		return nil, fmt.Errorf("reading embedded CRD: %w", err)
	}
	var def apiextensionsv1.CustomResourceDefinition
	if err := yaml.Unmarshal(data, &def); err != nil {
		return nil, fmt.Errorf("parsing %s: %w", applicationCRDFile, err)
	}
	var v1props *apiextensionsv1.JSONSchemaProps
	for i := range def.Spec.Versions {
		if v := def.Spec.Versions[i]; v.Name == v1alpha1.GroupVersion.Version && v.Schema != nil {
			v1props = v.Schema.OpenAPIV3Schema
		}
	}
	if v1props == nil {
		return nil, fmt.Errorf("%s has no %s schema", applicationCRDFile, v1alpha1.GroupVersion.Version)
	}
	var props apiextensionsinternal.JSONSchemaProps
	if err := apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(v1props, &props, nil); err != nil {
		return nil, fmt.Errorf("converting schema: %w", err)
	}
	s, err := structuralschema.NewStructural(&props)
	if err != nil {
		return nil, fmt.Errorf("structural schema: %w", err)
	}
	if _, ok := s.Properties["spec"]; !ok {
		return nil, fmt.Errorf("%s: schema has no spec", applicationCRDFile)
	}
	delete(s.Properties, "status")
	s.Properties["apiVersion"] = cappedString(317)
	s.Properties["kind"] = cappedString(63)
	s.Properties["metadata"] = structuralschema.Structural{
		Generic: structuralschema.Generic{Type: "object"},
		Properties: map[string]structuralschema.Structural{
			"name":      cappedString(253), // DNS-1123 subdomain
			"namespace": cappedString(63),  // DNS-1123 label
			// Label keys are up to 253+1+63 bytes and values up to 63. Kubernetes does not
			// bound how many labels there are, and neither does this schema: iterating over
			// them is refused by the cost estimate, looking one up is cheap.
			"labels": {
				Generic:              structuralschema.Generic{Type: "object"},
				AdditionalProperties: &structuralschema.StructuralOrBool{Structural: ptrTo(cappedString(63)), Bool: true},
			},
		},
	}
	return s, nil
}

func cappedString(maxLength int64) structuralschema.Structural {
	return structuralschema.Structural{
		Generic:         structuralschema.Generic{Type: "string"},
		ValueValidation: &structuralschema.ValueValidation{MaxLength: &maxLength},
	}
}

func ptrTo[T any](v T) *T { return &v }

// sizeEstimator is apiextensions-apiserver's CRD size estimator (schema/cel/compilation.go,
// unexported there), rooted at `object` instead of `self`: the size of a list, map or string
// reached from the variable is its schema's maxItems/maxProperties/maxLength, or what fits in
// the largest request the API server accepts.
type sizeEstimator struct {
	root *apiservercel.DeclType
}

func (e *sizeEstimator) EstimateSize(element checker.AstNode) *checker.SizeEstimate {
	path := element.Path()
	if len(path) == 0 || path[0] != VariableName {
		return nil
	}
	node := e.root
	for _, name := range path[1:] {
		switch name {
		case "@items", "@values":
			node = node.ElemType
		case "@keys":
			node = node.KeyType
		default:
			field, ok := node.Fields[name]
			if !ok {
				return nil
			}
			node = field.Type
		}
		if node == nil {
			return nil
		}
	}
	return &checker.SizeEstimate{Min: 0, Max: uint64(node.MaxElements)}
}

func (e *sizeEstimator) EstimateCallCost(function, overloadID string, target *checker.AstNode, args []checker.AstNode) *checker.CallEstimate {
	return nil
}

// cachedSchema is the schema adapter apiextensions-apiserver's UnstructuredToVal uses
// (model.Structural), except that it builds the children of each node once. model.Structural
// copies every property's Structural into a new map on each Properties() call, i.e. on every
// field access of every list item: that made a loop over 128 materials take over a second,
// ten times the work the CEL cost model accounts for. The schema never changes after the
// environment is built, so sharing the children is safe.
type cachedSchema struct {
	*model.Structural
	items      celcommon.Schema
	properties map[string]celcommon.Schema
	additional celcommon.SchemaOrBool
}

func newCachedSchema(s *structuralschema.Structural) *cachedSchema {
	c := &cachedSchema{Structural: &model.Structural{Structural: s}}
	if s.Items != nil {
		c.items = newCachedSchema(s.Items)
	}
	if s.Properties != nil {
		c.properties = make(map[string]celcommon.Schema, len(s.Properties))
		for name := range s.Properties {
			prop := s.Properties[name]
			c.properties[name] = newCachedSchema(&prop)
		}
	}
	if ap := s.AdditionalProperties; ap != nil {
		sob := &cachedSchemaOrBool{allows: ap.Bool}
		if ap.Structural != nil {
			sob.schema = newCachedSchema(ap.Structural)
		}
		c.additional = sob
	}
	return c
}

func (c *cachedSchema) Items() celcommon.Schema                      { return c.items }
func (c *cachedSchema) Properties() map[string]celcommon.Schema      { return c.properties }
func (c *cachedSchema) AdditionalProperties() celcommon.SchemaOrBool { return c.additional }

type cachedSchemaOrBool struct {
	schema celcommon.Schema
	allows bool
}

func (s *cachedSchemaOrBool) Schema() celcommon.Schema { return s.schema }
func (s *cachedSchemaOrBool) Allows() bool             { return s.allows }
