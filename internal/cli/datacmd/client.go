package datacmd

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
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/sfapi/sfapi/internal/cli/cmdutil"
	"github.com/sfapi/sfapi/internal/project"
)

// DynamoDBAPI is the part of the DynamoDB client the data and tables
// commands use.
type DynamoDBAPI interface {
	ListTables(context.Context, *dynamodb.ListTablesInput, ...func(*dynamodb.Options)) (*dynamodb.ListTablesOutput, error)
	DescribeTable(context.Context, *dynamodb.DescribeTableInput, ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error)
	Scan(context.Context, *dynamodb.ScanInput, ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error)
	BatchWriteItem(context.Context, *dynamodb.BatchWriteItemInput, ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error)
}

var _ DynamoDBAPI = (*dynamodb.Client)(nil)

// DefaultRegion is used when the project folder has no loadable sfapi.yaml.
const DefaultRegion = "us-east-1"

// Locator says where the DynamoDB endpoint is: --endpoint, else the sfapi
// dev running from the project folder (DATADIR/endpoints.json).
type Locator struct {
	ProjectDir string
	DataDir    string // default PROJECT/.sfapi
	Endpoint   string
}

// AddFlags registers --project, --data-dir and --endpoint.
func (l *Locator) AddFlags(fl interface {
	StringVar(*string, string, string, string)
}) {
	fl.StringVar(&l.ProjectDir, "project", ".", "project folder (holding sfapi.yaml)")
	fl.StringVar(&l.DataDir, "data-dir", "", "data dir of the running sfapi dev (default PROJECT/.sfapi)")
	fl.StringVar(&l.Endpoint, "endpoint", "", "DynamoDB endpoint URL instead of the running sfapi dev's")
}

// Client builds a DynamoDB client for the located endpoint. A local sfapi
// dev accepts any credentials, so it gets dummy ones; an --endpoint gets
// the environment's (dummy ones when there are none, for DynamoDB Local).
func (l *Locator) Client(ctx context.Context) (*dynamodb.Client, error) {
	region := DefaultRegion
	if p, err := project.Load(l.ProjectDir); err == nil && p.Region() != "" {
		region = p.Region()
	}
	dummy := credentials.NewStaticCredentialsProvider("test", "test", "")
	if l.Endpoint != "" {
		cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(region))
		if err != nil {
			return nil, fmt.Errorf("load AWS configuration: %w", err)
		}
		if cfg.Credentials == nil {
			cfg.Credentials = dummy
		} else if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
			cfg.Credentials = dummy
		}
		cfg.BaseEndpoint = aws.String(l.Endpoint)
		return dynamodb.NewFromConfig(cfg), nil
	}
	dataDir := l.DataDir
	if dataDir == "" {
		dataDir = filepath.Join(l.ProjectDir, ".sfapi")
	}
	path := filepath.Join(dataDir, "endpoints.json")
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, cmdutil.WithHint(fmt.Errorf("no running sfapi dev found in %s", dataDir),
			"start one with `sfapi dev`, or pass --endpoint")
	}
	if err != nil {
		return nil, fmt.Errorf("read endpoints: %w", err)
	}
	// The file is emulator.Endpoints; read here so the CLI's clients do
	// not link the emulator.
	var ep struct {
		AWS string `json:"aws"`
	}
	if err := json.Unmarshal(data, &ep); err != nil || ep.AWS == "" {
		return nil, fmt.Errorf("read %s: no AWS endpoint in it (%v)", path, err)
	}
	cfg := aws.Config{Region: region, Credentials: dummy, BaseEndpoint: aws.String(ep.AWS)}
	return dynamodb.NewFromConfig(cfg), nil
}
