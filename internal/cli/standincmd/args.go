package standincmd

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// DynamoDBArgs is DynamoDB Local's command line as the stand-in uses it.
type DynamoDBArgs struct {
	Port     int
	InMemory bool
	SharedDB bool
	DBPath   string
	// Ignored lists accepted options that change nothing here (for the
	// startup log): -delayTransientStatuses, -optimizeDbBeforeStartup,
	// -cors, -disableTelemetry, Java -D/-X options.
	Ignored []string
}

// DefaultDynamoDBPort is DynamoDB Local's default port.
const DefaultDynamoDBPort = 8000

// ParseDynamoDBArgs parses DynamoDB Local's command line
// (`-jar DynamoDBLocal.jar -sharedDb -inMemory -port 8000 -dbPath /data`):
// single-dash options, case-insensitive as DynamoDB Local takes them.
// Unknown options are an error naming them.
func ParseDynamoDBArgs(args []string) (DynamoDBArgs, error) {
	a := DynamoDBArgs{Port: DefaultDynamoDBPort, DBPath: "."}
	value := func(i int, name string) (string, error) {
		if i+1 >= len(args) || strings.HasPrefix(args[i+1], "-") {
			return "", fmt.Errorf("option %s needs a value", name)
		}
		return args[i+1], nil
	}
	for i := 0; i < len(args); i++ {
		arg := args[i]
		switch name := strings.ToLower(arg); {
		case name == "-jar":
			v, err := value(i, arg)
			if err != nil {
				return a, err
			}
			if !strings.HasSuffix(strings.ToLower(v), ".jar") {
				return a, fmt.Errorf("-jar %s: want DynamoDBLocal.jar", v)
			}
			i++
		case strings.HasPrefix(arg, "-D") || strings.HasPrefix(arg, "-X") || strings.HasPrefix(arg, "-XX:"):
			// Java system properties and VM options of the real image.
			a.Ignored = append(a.Ignored, arg)
		case name == "-shareddb":
			a.SharedDB = true
		case name == "-inmemory":
			a.InMemory = true
		case name == "-port":
			v, err := value(i, arg)
			if err != nil {
				return a, err
			}
			p, err := strconv.Atoi(v)
			if err != nil || p < 1 || p > 65535 {
				return a, fmt.Errorf("-port %q: want a port number from 1 to 65535", v)
			}
			a.Port = p
			i++
		case name == "-dbpath":
			v, err := value(i, arg)
			if err != nil {
				return a, err
			}
			a.DBPath = v
			i++
		case name == "-cors":
			if _, err := value(i, arg); err != nil {
				return a, err
			}
			a.Ignored = append(a.Ignored, arg+" "+args[i+1])
			i++
		case name == "-delaytransientstatuses", name == "-optimizedbbeforestartup", name == "-disabletelemetry":
			a.Ignored = append(a.Ignored, arg)
		case name == "-help", name == "-h", name == "--help":
			return a, errHelp
		default:
			return a, fmt.Errorf("unknown option %q (the stand-in takes DynamoDB Local's -jar, -sharedDb, -inMemory, -port, -dbPath, -cors, -delayTransientStatuses, -optimizeDbBeforeStartup, -disableTelemetry)", arg)
		}
	}
	if a.InMemory && a.DBPath != "." {
		return a, errors.New("-inMemory and -dbPath cannot be combined")
	}
	return a, nil
}

var errHelp = errors.New("help requested")

// StepFunctionsEnv is Step Functions Local's environment as the stand-in
// uses it.
type StepFunctionsEnv struct {
	Region, AccountID string
	// Endpoints the tasks call; empty means "not configured".
	DynamoDB, EventBridge, SQS, SNS string
	MockConfig                      string
	// WaitTimeScale multiplies Wait state and retry delays (0 < s).
	WaitTimeScale float64
	Port          int
}

// DefaultStepFunctionsPort is Step Functions Local's port.
const DefaultStepFunctionsPort = 8083

// ParseStepFunctionsEnv reads Step Functions Local's variables through
// getenv, with its defaults (region us-east-1, account 123456789012).
func ParseStepFunctionsEnv(getenv func(string) string) (StepFunctionsEnv, error) {
	e := StepFunctionsEnv{Region: "us-east-1", AccountID: "123456789012", WaitTimeScale: 1, Port: DefaultStepFunctionsPort}
	if v := getenv("AWS_DEFAULT_REGION"); v != "" {
		e.Region = v
	}
	if v := getenv("AWS_ACCOUNT_ID"); v != "" {
		if len(v) != 12 || strings.Trim(v, "0123456789") != "" {
			return e, fmt.Errorf("AWS_ACCOUNT_ID %q: want 12 digits", v)
		}
		e.AccountID = v
	}
	for _, ep := range []struct {
		name string
		dst  *string
	}{{"DYNAMODB_ENDPOINT", &e.DynamoDB}, {"EVENTBRIDGE_ENDPOINT", &e.EventBridge}, {"SQS_ENDPOINT", &e.SQS}, {"SNS_ENDPOINT", &e.SNS}} {
		v := getenv(ep.name)
		if v == "" {
			continue
		}
		if !strings.HasPrefix(v, "http://") && !strings.HasPrefix(v, "https://") {
			return e, fmt.Errorf("%s %q: want an http:// or https:// URL", ep.name, v)
		}
		*ep.dst = v
	}
	e.MockConfig = getenv("SFN_MOCK_CONFIG")
	if v := getenv("WAIT_TIME_SCALE"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f <= 0 || math.IsInf(f, 0) || math.IsNaN(f) {
			return e, fmt.Errorf("WAIT_TIME_SCALE %q: want a number greater than 0", v)
		}
		e.WaitTimeScale = f
	}
	return e, nil
}

// scaled returns d multiplied by the scale, saturating instead of
// overflowing.
func scaled(d time.Duration, scale float64) time.Duration {
	f := float64(d) * scale
	if f >= math.MaxInt64 {
		return math.MaxInt64
	}
	return time.Duration(f)
}
