package cfn

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAPIRoleSendsToQueue: both SQS integration forms get sqs:SendMessage
// on exactly the queue they name.
func TestAPIRoleSendsToQueue(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	files := map[string]string{
		"sfapi.yaml": "name: shop\napi: {openapi: api.yaml}\nqueues:\n  Orders: {}\n  Other: {queueName: shop-other}\n",
		"api.yaml": `openapi: 3.0.1
info: {title: shop, version: "1"}
paths:
  /orders:
    post:
      x-amazon-apigateway-integration:
        type: aws
        httpMethod: POST
        uri:
          Fn::Sub: arn:${AWS::Partition}:apigateway:${AWS::Region}:sqs:path/${AWS::AccountId}/${Orders.QueueName}
        credentials:
          Fn::Sub: arn:${AWS::Partition}:iam::${AWS::AccountId}:role/shop-api
        requestTemplates:
          application/json: Action=SendMessage&MessageBody=$util.urlEncode($input.body)
        responses:
          default: {statusCode: "202"}
  /other:
    post:
      x-amazon-apigateway-integration:
        type: aws
        httpMethod: POST
        uri: arn:aws:apigateway:us-east-1:sqs:action/SendMessage
        credentials:
          Fn::Sub: arn:${AWS::Partition}:iam::${AWS::AccountId}:role/shop-api
        requestTemplates:
          application/json:
            Fn::Sub: QueueUrl=${Other}&MessageBody=$util.urlEncode($input.body)
        responses:
          default: {statusCode: "202"}
`,
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tmpl, err := Synthesize(loadProject(t, dir), Options{})
	if err != nil {
		t.Fatal(err)
	}
	role, err := json.Marshal(tmpl.Resources["ApiRole"])
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"sqs:SendMessage"`, `{"Fn::GetAtt":["Orders","Arn"]}`, `{"Fn::GetAtt":["Other","Arn"]}`} {
		if !strings.Contains(string(role), want) {
			t.Errorf("ApiRole lacks %s: %s", want, role)
		}
	}
	if q := tmpl.Resources["Other"]; q.Type != "AWS::SQS::Queue" || q.Properties["QueueName"] != "shop-other" {
		t.Errorf("Other = %+v", q)
	}
	if _, named := tmpl.Resources["Orders"].Properties["QueueName"]; named {
		t.Error("a queue named after its logical ID got an explicit QueueName")
	}
}
