package benchcmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"

	"github.com/sfapi/sfapi/internal/cli/cmdutil"
	"github.com/sfapi/sfapi/internal/project"
)

// Stack output names `sfapi deploy` gives a stack (internal/deploy/cfn).
const (
	OutputAPIURL       = "ApiUrl"
	OutputWebSocketURL = "WebSocketUrl"
)

// CloudFormationAPI is the part of the CloudFormation client --stack uses.
type CloudFormationAPI interface {
	DescribeStacks(context.Context, *cloudformation.DescribeStacksInput, ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error)
}

// Locator says where the job API is. The zero value (with ProjectDir) finds
// the running sfapi dev of the project folder.
type Locator struct {
	ProjectDir string
	DataDir    string // default PROJECT/.sfapi
	API        string // REST API base URL
	WS         string // push WebSocket URL
	Stack      string // deployed stack to read ApiUrl/WebSocketUrl from
	Endpoint   string // CloudFormation endpoint for --stack (a local stand-in)
	Path       string // create route; default: the OpenAPI POST answering 202
	// AWSConfig and CloudFormation are replaced in tests.
	AWSConfig      func(context.Context) (aws.Config, error)
	CloudFormation func(aws.Config) CloudFormationAPI
}

// Target is a located job API.
type Target struct {
	API  string // base URL
	WS   string // "" when there is no push API
	Path string // create route, e.g. /gophers
}

// Locate resolves the API, WebSocket and create route: explicit flags win,
// then the deployed stack's outputs (--stack), then the running sfapi dev's
// endpoints.json; the route comes from --path or the project's OpenAPI.
func (l *Locator) Locate(ctx context.Context) (*Target, error) {
	t := &Target{API: l.API, WS: l.WS, Path: l.Path}
	p, perr := project.Load(l.ProjectDir)
	if t.Path == "" {
		if perr != nil {
			return nil, cmdutil.WithHint(fmt.Errorf("find the create route: %w", perr), "pass --path, or run in the project folder (--project)")
		}
		path, err := p.JobCreatePath()
		if err != nil {
			return nil, cmdutil.WithHint(err, "pass --path (and --method)")
		}
		t.Path = path
	}
	if t.API != "" && l.Stack == "" {
		// An explicit API is not paired with a guessed push URL: without
		// --ws the run follows jobs by polling.
		return t, nil
	}
	if l.Stack != "" {
		outputs, err := l.stackOutputs(ctx)
		if err != nil {
			return nil, err
		}
		t.API = cmpOr(t.API, outputs[OutputAPIURL])
		t.WS = cmpOr(t.WS, outputs[OutputWebSocketURL])
		if t.API == "" {
			return nil, fmt.Errorf("stack %s has no %s output", l.Stack, OutputAPIURL)
		}
		return t, nil
	}
	dataDir := l.DataDir
	if dataDir == "" {
		dataDir = filepath.Join(l.ProjectDir, ".sfapi")
	}
	ep, err := readEndpoints(dataDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, cmdutil.WithHint(fmt.Errorf("no running sfapi dev found in %s", dataDir),
			"start one with `sfapi dev`, or pass --api (and --ws) or --stack")
	}
	if err != nil {
		return nil, err
	}
	t.API, t.WS = cmpOr(t.API, ep.API), cmpOr(t.WS, ep.WS)
	return t, nil
}

func (l *Locator) stackOutputs(ctx context.Context) (map[string]string, error) {
	loadCfg := l.AWSConfig
	if loadCfg == nil {
		loadCfg = func(ctx context.Context) (aws.Config, error) { return config.LoadDefaultConfig(ctx) }
	}
	cfg, err := loadCfg(ctx)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	if l.Endpoint != "" {
		cfg.BaseEndpoint = aws.String(l.Endpoint)
	}
	newCFN := l.CloudFormation
	if newCFN == nil {
		newCFN = func(c aws.Config) CloudFormationAPI { return cloudformation.NewFromConfig(c) }
	}
	out, err := newCFN(cfg).DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(l.Stack)})
	if err != nil {
		return nil, fmt.Errorf("describe stack %s: %w", l.Stack, err)
	}
	if len(out.Stacks) == 0 {
		return nil, fmt.Errorf("describe stack %s: no such stack", l.Stack)
	}
	outputs := map[string]string{}
	for _, o := range out.Stacks[0].Outputs {
		outputs[aws.ToString(o.OutputKey)] = aws.ToString(o.OutputValue)
	}
	return outputs, nil
}

// devEndpoints is the endpoints.json a running sfapi dev writes into its
// data dir (emulator.Endpoints). It is read here rather than through the
// emulator package so the CLI's clients do not link the emulator.
type devEndpoints struct {
	API string `json:"api"`
	AWS string `json:"aws"`
	WS  string `json:"ws"`
}

func readEndpoints(dataDir string) (devEndpoints, error) {
	var ep devEndpoints
	data, err := os.ReadFile(filepath.Join(dataDir, "endpoints.json"))
	if err != nil {
		return ep, err
	}
	if err := json.Unmarshal(data, &ep); err != nil {
		return ep, fmt.Errorf("read %s: %w", filepath.Join(dataDir, "endpoints.json"), err)
	}
	return ep, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
