// Test-only IAM oracle: evaluates batches of requests with the core engine
// of @cloud-copilot/iam-simulate (AGPL; never a dependency of the library).
//
// stdin:  {"policies": {name: policy},
//          "requests": [{"id", "principal", "action", "resource", "resourceAccount",
//            "context": {key: value}, "identityPolicies": [name], "resourcePolicy": name,
//            "scps": [name]}]}
//          Policies are named once and referenced by name, which keeps large batches small.
// stdout: {"results": [{"id", "result": "Allowed"|"ImplicitlyDenied"|"ExplicitlyDenied"}]}
//
// Why the core engine: runSimulation() drops EKS OIDC condition keys
// (oidc.eks.<region>.amazonaws.com/id/<ID>:sub and :aud), because its key
// pattern does not allow '/', so a correct IRSA trust comes out denied;
// runUnsafeSimulation() crashes on resource policies. Context keys go
// through the library's own normalization; only EKS OIDC keys that it
// ignores are added back, and any other ignored key fails the run, so no
// condition is dropped silently.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadPolicy, validateIdentityPolicy, validateResourceControlPolicy, validateResourcePolicy, validateServiceControlPolicy } from '@cloud-copilot/iam-policy';

const require = createRequire(import.meta.url);
const root = join(dirname(require.resolve('@cloud-copilot/iam-simulate')), '..', 'esm');
const load = (p) => import(pathToFileURL(join(root, p)).href);
const { authorize } = await load('core_engine/CoreSimulatorEngine.js');
const { AwsRequestImpl } = await load('request/request.js');
const { RequestContextImpl } = await load('requestContext.js');
const { DiscoveryContextKeyConstraints } = await load('context_keys/discoveryContextKeyConstraints.js');
const { normalizeSimulationParameters } = await load('simulation_engine/simulationEngine.js');

export const eksOidcKey = /^oidc\.eks\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\/id\/[0-9A-F]+:(sub|aud)$/;

const loaded = new Map();

// policy validates and loads a named policy once per kind of use.
function policy(policies, name, validate, kind) {
  const key = `${kind}:${name}`;
  if (!loaded.has(key)) {
    const doc = policies[name];
    if (doc === undefined) {
      throw new Error(`unknown policy ${name}`);
    }
    const errors = validate(doc);
    if (errors.length > 0) {
      throw new Error(`${kind} policy ${name} is not valid: ${JSON.stringify(errors)}`);
    }
    loaded.set(key, loadPolicy(doc, { name }));
  }
  return loaded.get(key);
}

export async function evaluate(policies, req) {
  const simulation = {
    request: {
      principal: req.principal,
      action: req.action,
      resource: { resource: req.resource, accountId: req.resourceAccount },
      contextVariables: req.context ?? {}
    }
  };
  const { validContextValues, ignoredContextKeys } = await normalizeSimulationParameters(simulation, undefined);
  for (const key of ignoredContextKeys) {
    if (!eksOidcKey.test(key)) {
      throw new Error(`request ${req.id}: context key ${key} would be ignored`);
    }
    validContextValues[key] = req.context[key];
  }
  const identityPolicies = (req.identityPolicies ?? []).map((n) => policy(policies, n, validateIdentityPolicy, 'identity'));
  // Control policies are attached to the root beside the AWS managed
  // policies that allow everything (FullAWSAccess, RCPFullAWSAccess), as
  // Organizations attaches them when the policy type is enabled.
  const scps = (req.scps ?? []).map((n) => policy(policies, n, validateServiceControlPolicy, 'service control'));
  const serviceControlPolicies = scps.length > 0
    ? [{ orgIdentifier: 'r-root', policies: [loadPolicy({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }, { name: 'FullAWSAccess' }), ...scps] }]
    : [];
  const rcps = (req.rcps ?? []).map((n) => policy(policies, n, validateResourceControlPolicy, 'resource control'));
  const resourceControlPolicies = rcps.length > 0
    ? [{ orgIdentifier: 'r-root', policies: [loadPolicy({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }] }, { name: 'RCPFullAWSAccess' }), ...rcps] }]
    : [];
  const resourcePolicy = req.resourcePolicy ? policy(policies, req.resourcePolicy, validateResourcePolicy, 'resource') : undefined;
  const analysis = authorize({
    request: new AwsRequestImpl(req.principal, { resource: req.resource, accountId: req.resourceAccount }, req.action,
      new RequestContextImpl(validContextValues), false),
    sessionPolicy: undefined,
    identityPolicies,
    serviceControlPolicies,
    resourceControlPolicies,
    resourcePolicy,
    permissionBoundaries: undefined,
    vpcEndpointPolicies: undefined,
    simulationParameters: { simulationMode: 'Strict', discoveryContextKeyConstraints: new DiscoveryContextKeyConstraints([]) }
  });
  return analysis.result;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const input = JSON.parse(readFileSync(0, 'utf8'));
  const results = [];
  for (const req of input.requests) {
    results.push({ id: req.id, result: await evaluate(input.policies ?? {}, req) });
  }
  process.stdout.write(JSON.stringify({ results }));
}
