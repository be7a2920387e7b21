package jsonata

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"math"
	"math/rand/v2"

	"github.com/google/uuid"

	"github.com/sfapi/sfapi/internal/emulator/asl/jsonata/internal/engine"
	"github.com/sfapi/sfapi/internal/emulator/asl/jsonata/internal/engine/jtypes"
)

// maxGenerated bounds the arrays $range and $partition build.
const maxGenerated = 10_000

// The functions Step Functions adds to JSONata. They replace the
// evaluator's own $random (AWS's takes an optional seed).
func init() {
	err := engine.RegisterExts(map[string]engine.Extension{
		"partition": {Func: fnPartition},
		"range":     {Func: fnRange},
		"hash":      {Func: fnHash},
		"random":    {Func: fnRandom},
		"uuid":      {Func: func() string { return uuid.NewString() }},
		"parse":     {Func: fnParse},
	})
	if err != nil {
		panic(fmt.Sprintf("jsonata: register Step Functions functions: %v", err)) // programming error, caught by every test
	}
}

func wholeNumber(v float64, what string) (int, error) {
	if v != math.Trunc(v) || math.Abs(v) > 1e9 {
		return 0, fmt.Errorf("%s must be an integer", what)
	}
	return int(v), nil
}

// $partition(array, size): the array in chunks of size elements.
func fnPartition(arr []any, size float64) ([]any, error) {
	n, err := wholeNumber(size, "$partition: the chunk size")
	if err != nil {
		return nil, err
	}
	if n <= 0 {
		return nil, fmt.Errorf("$partition: the chunk size must be greater than 0")
	}
	out := []any{}
	for i := 0; i < len(arr); i += n {
		out = append(out, append([]any{}, arr[i:min(i+n, len(arr))]...))
	}
	return out, nil
}

// $range(start, end, step): start, start+step, ... up to end inclusive.
func fnRange(start, end, step float64) ([]any, error) {
	if step == 0 || math.IsNaN(step) {
		return nil, fmt.Errorf("$range: the step must not be 0")
	}
	count := math.Floor((end-start)/step) + 1
	if count > maxGenerated {
		return nil, fmt.Errorf("$range: the range has more than %d elements", maxGenerated)
	}
	out := []any{}
	for i := 0; float64(i) < count; i++ {
		out = append(out, start+float64(i)*step)
	}
	return out, nil
}

// $hash(value, algorithm): hex digest; non-string values are hashed as JSON.
func fnHash(v any, alg string) (string, error) {
	var h hash.Hash
	switch alg {
	case "MD5":
		h = md5.New()
	case "SHA-1":
		h = sha1.New()
	case "SHA-256":
		h = sha256.New()
	case "SHA-384":
		h = sha512.New384()
	case "SHA-512":
		h = sha512.New()
	default:
		return "", fmt.Errorf("$hash: unsupported algorithm %q (MD5, SHA-1, SHA-256, SHA-384, SHA-512)", alg)
	}
	s, ok := v.(string)
	if !ok {
		b, err := json.Marshal(v)
		if err != nil {
			return "", fmt.Errorf("$hash: %w", err)
		}
		s = string(b)
	}
	h.Write([]byte(s))
	return hex.EncodeToString(h.Sum(nil)), nil
}

// $random([seed]): a number in [0, 1); the same seed gives the same number.
func fnRandom(seed jtypes.OptionalFloat64) float64 {
	if !seed.IsSet() {
		return rand.Float64()
	}
	return rand.New(rand.NewPCG(math.Float64bits(seed.Float64), 0)).Float64()
}

// $parse(json): the value of a JSON string.
func fnParse(s string) (any, error) {
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return nil, fmt.Errorf("$parse: the argument is not valid JSON: %v", err)
	}
	return v, nil
}
