package remote

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/sfapi/sfapi/internal/emulator"
	"github.com/sfapi/sfapi/internal/emulator/awsjson"
	"github.com/sfapi/sfapi/internal/emulator/pipes"
	"github.com/sfapi/sfapi/internal/emulator/push"
	"github.com/sfapi/sfapi/internal/project"
)

// Options locate the remote services, as sfapi (on the host) reaches them.
type Options struct {
	// DynamoDBEndpoint serves DynamoDB and DynamoDB Streams.
	DynamoDBEndpoint string
	// StepFunctionsEndpoint serves Step Functions.
	StepFunctionsEndpoint string
	// Region signs the requests (the project's region).
	Region string
	// PollInterval is how often an idle pipe polls its stream.
	PollInterval time.Duration
	HTTPClient   *http.Client
	Logger       *slog.Logger
}

// Backend is emulator.Backend over remote services.
type Backend struct {
	opts    Options
	streams *Forwarder
	ddb     *dynamodb.Client
	sfn     *sfn.Client
	log     *slog.Logger
}

var _ emulator.Backend = (*Backend)(nil)

// New returns a Backend; it does not contact the services.
func New(opts Options) (*Backend, error) {
	if opts.DynamoDBEndpoint == "" || opts.StepFunctionsEndpoint == "" {
		return nil, errors.New("remote: both the DynamoDB and the Step Functions endpoints are required")
	}
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.HTTPClient == nil {
		// Pipes poll and executions start concurrently: keep enough idle
		// connections per host that each call does not dial.
		opts.HTTPClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: 90 * time.Second}}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	creds := credentials.NewStaticCredentialsProvider(Credentials.AccessKeyID, Credentials.SecretAccessKey, "")
	b := &Backend{
		opts:    opts,
		log:     opts.Logger,
		streams: &Forwarder{Endpoint: opts.DynamoDBEndpoint, SigningName: "dynamodb", Region: opts.Region, Client: opts.HTTPClient},
		ddb: dynamodb.New(dynamodb.Options{Region: opts.Region, BaseEndpoint: aws.String(opts.DynamoDBEndpoint),
			Credentials: creds, HTTPClient: opts.HTTPClient}),
		sfn: sfn.New(sfn.Options{Region: opts.Region, BaseEndpoint: aws.String(opts.StepFunctionsEndpoint),
			Credentials: creds, HTTPClient: opts.HTTPClient}),
	}
	return b, nil
}

// Register puts the forwarding DynamoDB, Streams and Step Functions
// services on mux.
func (b *Backend) Register(mux *awsjson.Mux) {
	RegisterDynamoDB(mux, b.opts.DynamoDBEndpoint, b.opts.Region, b.opts.HTTPClient)
	RegisterStepFunctions(mux, b.opts.StepFunctionsEndpoint, b.opts.Region, b.opts.HTTPClient)
}

// Provision creates the project's tables and state machines remotely.
func (b *Backend) Provision(ctx context.Context, p *project.Project) error {
	for _, t := range p.Tables() {
		if err := b.ensureTable(ctx, t); err != nil {
			return t.Pos.Errorf("table %s: %v", t.LogicalID, err)
		}
	}
	for _, sm := range p.StateMachines() {
		role := fmt.Sprintf("arn:aws:iam::%s:role/%s-%s", p.AccountID(), p.Manifest.Name, sm.LogicalID)
		if err := b.ensureStateMachine(ctx, p.StateMachineARN(sm.Name), sm, role); err != nil {
			return sm.Pos.Errorf("state machine %s (%s): %v", sm.LogicalID, sm.DefinitionFile, err)
		}
	}
	return nil
}

// StreamSource reads the stream of table.
func (b *Backend) StreamSource(ctx context.Context, table string) (pipes.Source, string, error) {
	out, err := b.ddb.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	if err != nil {
		return nil, "", fmt.Errorf("describe table %s: %w", table, err)
	}
	arn := aws.ToString(out.Table.LatestStreamArn)
	if arn == "" {
		return nil, "", fmt.Errorf("table %s has no stream", table)
	}
	return NewStreamSource(b.streams, arn, b.opts.PollInterval), arn, nil
}

// StateMachineTarget starts one execution per batch.
func (b *Backend) StateMachineTarget(arn string, sync bool) pipes.Target {
	return &ExecutionTarget{Client: b.sfn, ARN: arn, Sync: sync}
}

// ExecutionStarter starts one execution per event.
func (b *Backend) ExecutionStarter(arn string) push.Target {
	return push.TargetFunc(func(ctx context.Context, ev []byte) error {
		_, err := b.sfn.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(arn), Input: aws.String(string(ev))})
		return err
	})
}

// ExecutionTarget is a pipes.Target starting executions through the Step
// Functions API. A batch redelivered after a crash starts an execution
// with the same name: ExecutionAlreadyExists then means it was accepted
// before, as with the embedded engine.
type ExecutionTarget struct {
	Client *sfn.Client
	ARN    string
	Sync   bool
}

// Invoke starts the batch's execution.
func (t *ExecutionTarget) Invoke(ctx context.Context, bt pipes.Batch) error {
	var name *string
	if bt.Name != "" {
		name = aws.String(bt.Name)
	}
	if t.Sync {
		res, err := t.Client.StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{StateMachineArn: aws.String(t.ARN), Name: name, Input: aws.String(string(bt.Input))})
		if err != nil {
			return err
		}
		if res.Status != sfntypes.SyncExecutionStatusSucceeded {
			return fmt.Errorf("execution %s: %s: %s", res.Status, aws.ToString(res.Error), aws.ToString(res.Cause))
		}
		return nil
	}
	_, err := t.Client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(t.ARN), Name: name, Input: aws.String(string(bt.Input))})
	if _, ok := errors.AsType[*sfntypes.ExecutionAlreadyExists](err); ok && bt.Name != "" {
		return nil
	}
	return err
}

func (b *Backend) ensureStateMachine(ctx context.Context, arn string, sm project.StateMachine, role string) error {
	cur, err := b.sfn.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(arn)})
	if _, ok := errors.AsType[*sfntypes.StateMachineDoesNotExist](err); ok {
		typ := sfntypes.StateMachineTypeStandard
		if sm.Type == "EXPRESS" {
			typ = sfntypes.StateMachineTypeExpress
		}
		_, err = b.sfn.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String(sm.Name), Definition: aws.String(sm.Definition), RoleArn: aws.String(role), Type: typ})
		return err
	}
	if err != nil {
		return err
	}
	if aws.ToString(cur.Definition) == sm.Definition {
		return nil
	}
	_, err = b.sfn.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(arn), Definition: aws.String(sm.Definition), RoleArn: aws.String(role)})
	return err
}

func (b *Backend) ensureTable(ctx context.Context, t project.Table) error {
	_, err := b.ddb.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(t.Name)})
	if _, ok := errors.AsType[*ddbtypes.ResourceNotFoundException](err); ok {
		if _, err := b.ddb.CreateTable(ctx, CreateTableInput(t)); err != nil {
			return err
		}
		w := dynamodb.NewTableExistsWaiter(b.ddb, func(o *dynamodb.TableExistsWaiterOptions) { o.MinDelay, o.MaxDelay = 100*time.Millisecond, time.Second })
		if err := w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(t.Name)}, time.Minute); err != nil {
			return fmt.Errorf("wait for the table to be ACTIVE: %w", err)
		}
	} else if err != nil {
		return err
	}
	if t.TTLAttribute == "" {
		return nil
	}
	ttl, err := b.ddb.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(t.Name)})
	if err != nil {
		return fmt.Errorf("time to live: %w", err)
	}
	if d := ttl.TimeToLiveDescription; d != nil && d.TimeToLiveStatus == ddbtypes.TimeToLiveStatusEnabled && aws.ToString(d.AttributeName) == t.TTLAttribute {
		return nil
	}
	_, err = b.ddb.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: aws.String(t.Name),
		TimeToLiveSpecification: &ddbtypes.TimeToLiveSpecification{Enabled: aws.Bool(true), AttributeName: aws.String(t.TTLAttribute)}})
	if err != nil {
		return fmt.Errorf("time to live: %w", err)
	}
	return nil
}

// CreateTableInput is the CreateTable request of a manifest table.
// DynamoDB Local wants throughput for PROVISIONED tables and indexes; the
// figures do not matter locally.
func CreateTableInput(t project.Table) *dynamodb.CreateTableInput {
	in := &dynamodb.CreateTableInput{TableName: aws.String(t.Name)}
	provisioned := t.BillingMode == "PROVISIONED"
	tp := &ddbtypes.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(5), WriteCapacityUnits: aws.Int64(5)}
	if provisioned {
		in.BillingMode, in.ProvisionedThroughput = ddbtypes.BillingModeProvisioned, tp
	} else {
		in.BillingMode = ddbtypes.BillingModePayPerRequest
	}
	defs := map[string]string{}
	var order []string
	key := func(k project.KeyAttr, kt ddbtypes.KeyType) ddbtypes.KeySchemaElement {
		if _, ok := defs[k.Name]; !ok {
			order = append(order, k.Name)
		}
		defs[k.Name] = k.Type
		return ddbtypes.KeySchemaElement{AttributeName: aws.String(k.Name), KeyType: kt}
	}
	schema := func(pk project.KeyAttr, sk *project.KeyAttr) []ddbtypes.KeySchemaElement {
		s := []ddbtypes.KeySchemaElement{key(pk, ddbtypes.KeyTypeHash)}
		if sk != nil {
			s = append(s, key(*sk, ddbtypes.KeyTypeRange))
		}
		return s
	}
	projection := func(ix project.Index) *ddbtypes.Projection {
		pt := ix.Projection
		if pt == "" {
			pt = "ALL"
		}
		p := &ddbtypes.Projection{ProjectionType: ddbtypes.ProjectionType(pt)}
		if len(ix.NonKeyAttributes) > 0 {
			p.NonKeyAttributes = ix.NonKeyAttributes
		}
		return p
	}
	in.KeySchema = schema(t.PartitionKey, t.SortKey)
	for _, ix := range t.GSIs {
		g := ddbtypes.GlobalSecondaryIndex{IndexName: aws.String(ix.Name), KeySchema: schema(ix.PartitionKey, ix.SortKey), Projection: projection(ix)}
		if provisioned {
			g.ProvisionedThroughput = tp
		}
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, g)
	}
	for _, ix := range t.LSIs {
		in.LocalSecondaryIndexes = append(in.LocalSecondaryIndexes, ddbtypes.LocalSecondaryIndex{IndexName: aws.String(ix.Name), KeySchema: schema(ix.PartitionKey, ix.SortKey), Projection: projection(ix)})
	}
	for _, n := range order {
		in.AttributeDefinitions = append(in.AttributeDefinitions, ddbtypes.AttributeDefinition{AttributeName: aws.String(n), AttributeType: ddbtypes.ScalarAttributeType(defs[n])})
	}
	if t.StreamViewType != "" {
		in.StreamSpecification = &ddbtypes.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: ddbtypes.StreamViewType(t.StreamViewType)}
	}
	return in
}
