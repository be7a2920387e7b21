package jobscmd

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"path/filepath"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/sfapi/sfapi/internal/cli/cmdutil"
	"github.com/sfapi/sfapi/internal/emulator"
	"github.com/sfapi/sfapi/internal/project"
)

// Stack output names `sfapi deploy` gives a stack (internal/deploy/cfn):
// the API and WebSocket URLs, and one output per table and state machine
// named after its logical ID.
const (
	OutputAPIURL             = "ApiUrl"
	OutputWebSocketURL       = "WebSocketUrl"
	OutputTableNameSuffix    = "TableName"       // e.g. JobsTableName
	OutputStateMachineSuffix = "StateMachineArn" // e.g. AddGopherStateMachineArn
)

// CloudFormationAPI is the part of the CloudFormation client --stack uses.
type CloudFormationAPI interface {
	DescribeStacks(context.Context, *cloudformation.DescribeStacksInput, ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error)
}

// Locator says where the stack is; the zero value finds a running sfapi dev
// from the project folder.
type Locator struct {
	ProjectDir string
	DataDir    string // default PROJECT/.sfapi
	Endpoint   string // AWS endpoint (DynamoDB, Step Functions)
	API        string
	WS         string
	Stack      string
	// AWSConfig loads the credentials and region for --stack; tests
	// replace it, and CloudFormation with a fake.
	AWSConfig      func(context.Context) (aws.Config, error)
	CloudFormation func(aws.Config) CloudFormationAPI
}

// Target is a located stack: where its APIs are and which table and state
// machines hold its jobs.
type Target struct {
	Name   string
	Source *Source
	API    string // base URL of the REST API ("" when none)
	// CreatePath is the POST route that answers 202 ("" when none).
	CreatePath string
	HTTP       *http.Client
}

// jobRouting is what the manifest says about jobs: the table the job pipe
// reads, its keys, and the state machines it starts.
type jobRouting struct {
	tableLogical, table, pk, sk string
	machineLogical, machines    []string
}

func routing(p *project.Project) (jobRouting, error) {
	var r jobRouting
	for _, pipe := range p.Pipes() {
		if pipe.Target.StateMachine == "" {
			continue
		}
		t, ok := p.Manifest.Tables[pipe.Source.Table]
		if !ok {
			continue
		}
		if r.table == "" {
			r.tableLogical, r.table, r.pk = t.LogicalID, t.Name, t.PartitionKey.Name
			if t.SortKey != nil {
				r.sk = t.SortKey.Name
			}
		}
		if t.Name == r.table {
			sm := p.Manifest.StateMachines[pipe.Target.StateMachine]
			if !slices.Contains(r.machineLogical, sm.LogicalID) {
				r.machineLogical = append(r.machineLogical, sm.LogicalID)
				r.machines = append(r.machines, p.StateMachineARN(sm.Name))
			}
		}
	}
	if r.table == "" {
		return r, errors.New("no pipe takes a table's stream to a state machine, so the project has no job table")
	}
	if r.sk == "" {
		return r, fmt.Errorf("job table %s has no sort key (jobs are items with sort key job#<operation>)", r.table)
	}
	return r, nil
}

// Locate finds the stack and builds the clients.
func (l *Locator) Locate(ctx context.Context) (*Target, error) {
	p, perr := project.Load(l.ProjectDir)
	if l.Stack != "" {
		return l.locateStack(ctx, p)
	}
	if perr != nil {
		return nil, perr
	}
	r, err := routing(p)
	if err != nil {
		return nil, err
	}
	ep := emulator.Endpoints{AWS: l.Endpoint, API: l.API, WS: l.WS}
	if ep.AWS == "" || ep.API == "" || ep.WS == "" {
		dataDir := l.DataDir
		if dataDir == "" {
			dataDir = filepath.Join(l.ProjectDir, ".sfapi")
		}
		found, err := emulator.ReadEndpoints(dataDir)
		if errors.Is(err, fs.ErrNotExist) && ep.AWS == "" {
			return nil, cmdutil.WithHint(fmt.Errorf("no running sfapi dev found in %s", dataDir),
				"start one with `sfapi dev`, or pass --endpoint (and --api, --ws)")
		}
		if err == nil {
			ep.AWS, ep.API, ep.WS = cmpOr(ep.AWS, found.AWS), cmpOr(ep.API, found.API), cmpOr(ep.WS, found.WS)
		}
	}
	cfg := aws.Config{
		Region:       p.Region(),
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String(ep.AWS),
	}
	t := &Target{
		Name: p.Manifest.Name,
		API:  ep.API,
		HTTP: &http.Client{},
		Source: &Source{DDB: dynamodb.NewFromConfig(cfg), SFN: sfn.NewFromConfig(cfg),
			Table: r.table, PK: r.pk, SK: r.sk, Machines: r.machines, WS: ep.WS},
	}
	t.CreatePath, _ = p.JobCreatePath()
	return t, nil
}

// locateStack reads the outputs of a deployed stack. The project, when it
// loads, names the job table and state machines; without it the stack's
// single table and machine outputs are used with keys pk/sk.
func (l *Locator) locateStack(ctx context.Context, p *project.Project) (*Target, error) {
	loadCfg := l.AWSConfig
	if loadCfg == nil {
		loadCfg = func(ctx context.Context) (aws.Config, error) { return config.LoadDefaultConfig(ctx) }
	}
	cfg, err := loadCfg(ctx)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
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
	src := &Source{DDB: dynamodb.NewFromConfig(cfg), SFN: sfn.NewFromConfig(cfg), PK: "pk", SK: "sk", WS: outputs[OutputWebSocketURL]}
	t := &Target{Name: l.Stack, API: outputs[OutputAPIURL], HTTP: &http.Client{}, Source: src}
	if p != nil {
		r, err := routing(p)
		if err != nil {
			return nil, err
		}
		src.PK, src.SK = r.pk, r.sk
		src.Table = outputs[r.tableLogical+OutputTableNameSuffix]
		for _, m := range r.machineLogical {
			if arn := outputs[m+OutputStateMachineSuffix]; arn != "" {
				src.Machines = append(src.Machines, arn)
			}
		}
		t.CreatePath, _ = p.JobCreatePath()
	} else {
		keys := slices.Sorted(func(yield func(string) bool) {
			for k := range outputs {
				if !yield(k) {
					return
				}
			}
		})
		for _, k := range keys {
			switch {
			case strings.HasSuffix(k, OutputTableNameSuffix) && src.Table == "":
				src.Table = outputs[k]
			case strings.HasSuffix(k, OutputStateMachineSuffix):
				src.Machines = append(src.Machines, outputs[k])
			}
		}
	}
	if src.Table == "" {
		return nil, fmt.Errorf("stack %s has no job table output (*%s)", l.Stack, OutputTableNameSuffix)
	}
	if l.Endpoint != "" {
		cfg.BaseEndpoint = aws.String(l.Endpoint)
		src.DDB, src.SFN = dynamodb.NewFromConfig(cfg), sfn.NewFromConfig(cfg)
	}
	t.API, src.WS = cmpOr(l.API, t.API), cmpOr(l.WS, src.WS)
	return t, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
