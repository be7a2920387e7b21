package project

import "testing"

func TestLoadQueues(t *testing.T) {
	t.Parallel()
	p, err := Load(writeProject(t, map[string]string{"sfapi.yaml": `name: shop
region: eu-west-1
accountId: "123456789012"
queues:
  Orders:
    queueName: shop-orders
    visibilityTimeout: 60
    delaySeconds: 5
  Plain: {}
variables:
  OrdersUrl: x
`}))
	if err != nil {
		t.Fatal(err)
	}
	qs := p.Queues()
	if len(qs) != 2 {
		t.Fatalf("queues = %+v", qs)
	}
	o, plain := qs[0], qs[1]
	if o.LogicalID != "Orders" || o.Name != "shop-orders" || o.VisibilityTimeout != 60 || o.DelaySeconds != 5 || o.MessageRetentionPeriod != 345600 || o.Pos.Line != 5 {
		t.Fatalf("Orders = %+v", o)
	}
	if plain.Name != "Plain" || plain.VisibilityTimeout != 30 || plain.ReceiveMessageWaitTimeSeconds != 0 {
		t.Fatalf("Plain = %+v", plain)
	}
	for ref, want := range map[string]string{
		"Orders":           "https://sqs.eu-west-1.amazonaws.com/123456789012/shop-orders",
		"Orders.Arn":       "arn:aws:sqs:eu-west-1:123456789012:shop-orders",
		"Orders.QueueName": "shop-orders",
		"Orders.QueueUrl":  "https://sqs.eu-west-1.amazonaws.com/123456789012/shop-orders",
	} {
		if got, err := p.Resolve(ref); err != nil || got != want {
			t.Errorf("Resolve(%s) = %q, %v; want %q", ref, got, err, want)
		}
	}
	if _, err := p.Resolve("Orders.Url"); err == nil {
		t.Error("Orders.Url resolved")
	}
}
