// Package iostreams owns the standard streams of one sfapi invocation: In,
// Out (data, JSON) and ErrOut (progress, errors, logs), whether each is a
// terminal, and whether colour is on. Commands write only through an
// *IOStreams handed to them, never to os.Stdout, so Test() can capture
// everything (the gh CLI's pkg/iostreams shape).
//
// It imports only the standard library; it must not import cobra, viper or
// any other sfapi package.
package iostreams
