package testinfra

// EstablishedQuotas are the Service Quotas the tests give every account: an
// organization that has run EKS for a while and had its EC2 vCPU quotas
// raised (Standard instances on demand and on spot, and G and VT instances
// for GPU nodes), by quota code. Every other quota keeps a new account's
// value. The mock engine's tests and the stand-in world's seeds use them,
// so that only a test that wants a quota short meets one.
var EstablishedQuotas = map[string]float64{
	"L-1216C47A": 1024, // Running On-Demand Standard instances, vCPUs
	"L-34B43A08": 1024, // All Standard Spot Instance Requests, vCPUs
	"L-DB2E81BA": 128,  // Running On-Demand G and VT instances, vCPUs
	"L-3819A6DF": 128,  // All G and VT Spot Instance Requests, vCPUs
}
