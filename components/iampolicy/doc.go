// Package iampolicy holds IAM policy documents as typed Go values.
//
// Every policy this library writes (trust policies, permission policies and
// service control policies) is built from these types and marshalled with
// encoding/json, never assembled from strings. Marshalling is deterministic:
// condition operators and keys are maps, which encoding/json writes in sorted
// key order, and statements keep the order they were built in.
//
// Size limits are those IAM applies to the compact JSON text (whitespace is
// not counted). A document that exceeds its limit is a validation error for
// the caller to report before anything is registered.
package iampolicy
