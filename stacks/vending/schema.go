package vending

import "embed"

// Schemas holds the JSON Schemas of the vending files, for editors and
// templates (Backstage): schema/vending.schema.json for vending.yaml and
// schema/request.schema.json for a request, which the first refers to.
// Checks that span files (waves, one cluster per account, blueprint
// versions, CIDR allocation) are Load's and Render's alone.
//
//go:embed schema/*.schema.json
var Schemas embed.FS
