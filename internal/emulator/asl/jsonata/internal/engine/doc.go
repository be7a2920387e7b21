// Copyright 2018 Blues Inc.  All rights reserved.
// Use of this source code is governed by licenses granted by the
// copyright holder including that found in the LICENSE file.

// Package jsonata is a query and transformation language for JSON.
// It's a Go port of the JavaScript library JSONata. Please use the
// official JSONata site as a language reference.
//
// http://jsonata.org/
//
// sfapi: this is a vendored copy of github.com/blues/jsonata-go v1.5.4
// (MIT, see LICENSE), renamed to package engine. Local changes, all marked
// "sfapi": budget.go and Expr.EvalWith (per-call budget and variables),
// the environment carrying the budget, the lower range limit in eval.go
// and the $pad width bound in jlib/string.go. Only asl/jsonata imports it.
package engine
