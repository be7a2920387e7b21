package datacmd

import (
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/sfapi/sfapi/internal/emulator/ddb/attr"
)

// FromSDK converts an SDK attribute value to attr.Value (the zero Value
// for nil or an unknown member).
func FromSDK(av types.AttributeValue) attr.Value {
	switch v := av.(type) {
	case *types.AttributeValueMemberS:
		return attr.String(v.Value)
	case *types.AttributeValueMemberN:
		// Keep the server's digits: they were valid when stored.
		return attr.Value{Type: attr.TypeN, S: v.Value}
	case *types.AttributeValueMemberB:
		return attr.Binary(v.Value)
	case *types.AttributeValueMemberBOOL:
		return attr.Bool(v.Value)
	case *types.AttributeValueMemberNULL:
		return attr.Null()
	case *types.AttributeValueMemberM:
		return attr.Map(ItemFromSDK(v.Value))
	case *types.AttributeValueMemberL:
		l := make([]attr.Value, len(v.Value))
		for i, e := range v.Value {
			l[i] = FromSDK(e)
		}
		return attr.List(l...)
	case *types.AttributeValueMemberSS:
		return attr.Value{Type: attr.TypeSS, SS: v.Value}
	case *types.AttributeValueMemberNS:
		return attr.Value{Type: attr.TypeNS, SS: v.Value}
	case *types.AttributeValueMemberBS:
		return attr.BinarySet(v.Value...)
	}
	return attr.Value{}
}

// ToSDK converts an attr.Value to the SDK's attribute value (nil for the
// zero Value).
func ToSDK(v attr.Value) types.AttributeValue {
	switch v.Type {
	case attr.TypeS:
		return &types.AttributeValueMemberS{Value: v.S}
	case attr.TypeN:
		return &types.AttributeValueMemberN{Value: v.S}
	case attr.TypeB:
		return &types.AttributeValueMemberB{Value: v.B}
	case attr.TypeBOOL:
		return &types.AttributeValueMemberBOOL{Value: v.Bool}
	case attr.TypeNULL:
		return &types.AttributeValueMemberNULL{Value: true}
	case attr.TypeM:
		return &types.AttributeValueMemberM{Value: ItemToSDK(v.M)}
	case attr.TypeL:
		l := make([]types.AttributeValue, len(v.L))
		for i, e := range v.L {
			l[i] = ToSDK(e)
		}
		return &types.AttributeValueMemberL{Value: l}
	case attr.TypeSS:
		return &types.AttributeValueMemberSS{Value: v.SS}
	case attr.TypeNS:
		return &types.AttributeValueMemberNS{Value: v.SS}
	case attr.TypeBS:
		return &types.AttributeValueMemberBS{Value: v.BS}
	}
	return nil
}

// ItemFromSDK converts an SDK item.
func ItemFromSDK(m map[string]types.AttributeValue) attr.Item {
	out := make(attr.Item, len(m))
	for k, v := range m {
		out[k] = FromSDK(v)
	}
	return out
}

// ItemToSDK converts an item to the SDK's form.
func ItemToSDK(it map[string]attr.Value) map[string]types.AttributeValue {
	out := make(map[string]types.AttributeValue, len(it))
	for k, v := range it {
		out[k] = ToSDK(v)
	}
	return out
}
