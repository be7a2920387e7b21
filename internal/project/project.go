package project

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ErrNoAPI is returned by OpenAPI for a project without an api section.
var ErrNoAPI = errors.New("project has no api section")

// maxFileSize bounds every project file read; real ones are kilobytes.
const maxFileSize = 16 << 20

// Project is a loaded, validated project directory.
type Project struct {
	Dir      string
	Manifest Manifest

	res      *resolver
	openapi  []byte
	apiLines map[string]int
}

// Load reads the project in dir: sfapi.yaml, the OpenAPI file and the ASL
// files it names. Problems in those files come back together as an
// ErrorList; a manifest that cannot be read at all is a plain error.
func Load(dir string) (*Project, error) {
	data, err := readFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return nil, fmt.Errorf("load project: %w", err)
	}
	return load(dir, data)
}

func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s is a directory", path)
	}
	if st.Size() > maxFileSize {
		return nil, fmt.Errorf("%s is larger than %d MiB", path, maxFileSize>>20)
	}
	return os.ReadFile(path)
}

func load(dir string, manifest []byte) (*Project, error) {
	errs := &collector{}
	root := parseYAML(ManifestFile, manifest, errs)
	if root == nil {
		return nil, errs.err()
	}
	d := decodeManifest(root, errs)
	p := &Project{Dir: dir, Manifest: d.m}
	p.res = &resolver{m: &p.Manifest}
	// A broken manifest makes most reference errors in the other files
	// echoes of the first mistake; still read them, so that file errors
	// (missing files, syntax) show up in the same run.
	for _, id := range sortedKeys(p.Manifest.StateMachines) {
		sm := p.Manifest.StateMachines[id]
		p.loadDefinition(&sm, d, errs)
		p.Manifest.StateMachines[id] = sm
	}
	if p.Manifest.API.OpenAPI != "" {
		p.loadOpenAPI(d, errs)
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	return p, nil
}

// readProjectFile reads a file named in the manifest at position at,
// recording a positioned error if it cannot be read.
func (p *Project) readProjectFile(rel, what string, at Pos, errs *collector) ([]byte, bool) {
	data, err := readFile(filepath.Join(p.Dir, filepath.FromSlash(rel)))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			errs.add(at.Errorf("%s: file %q does not exist", what, rel))
		} else {
			errs.add(at.Errorf("%s: %v", what, err))
		}
		return nil, false
	}
	return data, true
}

func (p *Project) loadOpenAPI(d *manifestDecoder, errs *collector) {
	rel := p.Manifest.API.OpenAPI
	data, ok := p.readProjectFile(rel, "api.openapi", d.pos(d.openapiNode), errs)
	if !ok {
		return
	}
	root := parseYAML(rel, data, errs)
	if root == nil {
		return
	}
	w := &jsonWriter{file: rel, errs: errs, res: p.res, lines: map[string]int{}}
	w.value(root, "")
	p.openapi = w.buf.Bytes()
	p.apiLines = w.lines
}

// Tables returns the tables sorted by logical ID.
func (p *Project) Tables() []Table { return sortedValues(p.Manifest.Tables) }

// StateMachines returns the state machines sorted by logical ID.
func (p *Project) StateMachines() []StateMachine { return sortedValues(p.Manifest.StateMachines) }

// Pipes returns the pipes sorted by logical ID.
func (p *Project) Pipes() []Pipe { return sortedValues(p.Manifest.Pipes) }

// Rules returns the rules sorted by logical ID.
func (p *Project) Rules() []Rule { return sortedValues(p.Manifest.Rules) }

// Queues returns the queues sorted by logical ID.
func (p *Project) Queues() []Queue { return sortedValues(p.Manifest.Queues) }

func sortedValues[V any](m map[string]V) []V {
	out := make([]V, 0, len(m))
	for _, k := range sortedKeys(m) {
		out = append(out, m[k])
	}
	return out
}

// WebSocketPath is the path of the push WebSocket API.
func (p *Project) WebSocketPath() string { return p.Manifest.WebSocket.Path }

// Stage is the API stage name.
func (p *Project) Stage() string { return p.Manifest.API.Stage }

// Region is the region the project pretends to run in.
func (p *Project) Region() string { return p.Manifest.Region }

// AccountID is the account the project pretends to run in.
func (p *Project) AccountID() string { return p.Manifest.AccountID }

// StackName is the CloudFormation stack name, AWS::StackName locally.
func (p *Project) StackName() string { return p.Manifest.Name + "-" + p.Manifest.API.Stage }

// TableARN is the ARN of the table with physical name name.
func (p *Project) TableARN(name string) string { return TableARN(p.Region(), p.AccountID(), name) }

// StreamARN is the ARN of the stream of the table with physical name name.
func (p *Project) StreamARN(name string) string { return StreamARN(p.Region(), p.AccountID(), name) }

// StateMachineARN is the ARN of the state machine with physical name name.
func (p *Project) StateMachineARN(name string) string {
	return StateMachineARN(p.Region(), p.AccountID(), name)
}

// EventBusARN is the ARN of the event bus name.
func (p *Project) EventBusARN(name string) string {
	return EventBusARN(p.Region(), p.AccountID(), name)
}

// Resolve evaluates one reference as it would appear inside ${...} of an
// Fn::Sub template: AWS::Region and the other pseudo parameters, a
// variable, a logical ID (Ref) or LogicalId.Attribute (Fn::GetAtt). The
// ${ } around it may be included.
func (p *Project) Resolve(ref string) (string, error) {
	if inner, ok := strings.CutPrefix(ref, "${"); ok {
		if inner, ok = strings.CutSuffix(inner, "}"); ok {
			ref = inner
		}
	}
	return p.res.lookup(ref)
}

// Sub evaluates an Fn::Sub template against the project.
func (p *Project) Sub(template string) (string, error) {
	return substitute(template, p.res.lookup)
}

// OpenAPI returns the OpenAPI document as JSON with every intrinsic
// function resolved, and the line in OpenAPIFile of every JSON pointer in it
// ("" is the root, "/paths/~1gophers/post" an operation). The document was
// resolved and checked by Load; callers must not modify the returned values.
func (p *Project) OpenAPI() (doc []byte, lines map[string]int, err error) {
	if p.Manifest.API.OpenAPI == "" {
		return nil, nil, ErrNoAPI
	}
	return p.openapi, p.apiLines, nil
}

// OpenAPIFile is the OpenAPI file relative to Dir (slash-separated), as it
// appears in messages; empty for a project without an API.
func (p *Project) OpenAPIFile() string { return p.Manifest.API.OpenAPI }
