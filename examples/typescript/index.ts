// The centralized model from TypeScript: a cluster account, a tenant from a
// workload account, a cross-account role, and the cluster's subnets shared
// with the tenant's account. The same program as examples/yaml.
import * as pulumi from "@pulumi/pulumi";
import * as eksma from "@eks-multi-account/eks-multi-account";

const config = new pulumi.Config();
const region = config.get("region") ?? "us-east-1";
const deployRoleName = config.get("deployRoleName") ?? "OrganizationAccountAccessRole";
const clusterAccount = { accountId: config.get("clusterAccountId") ?? "111122223333", region, deployRoleName };
const workloadAccount = { accountId: config.get("workloadAccountId") ?? "444455556666", region, deployRoleName };

const prod = new eksma.ClusterAccount("prod", {
    account: { ...clusterAccount, defaultTags: { "cost-center": "platform" } },
    clusterName: "prod",
    kubernetesVersion: "1.36",
    vpcCidr: "10.0.0.0/16",
    availabilityZones: 2,
    singleNatGateway: true,
    nodeGroups: [{ name: "general", instanceTypes: ["t3.large"], minSize: 1, maxSize: 4, desiredSize: config.getNumber("desiredNodes") ?? 2 }],
    endpointAccess: { publicCidrs: [config.get("publicCidr") ?? "203.0.113.0/24"] },
    sharedChainingRole: true,
});

// What a component placed on the cluster takes from it: its facts, known in
// a preview, and its outputs.
const onProd = {
    cluster: prod.cluster,
    clusterName: prod.clusterName,
    kubeconfig: prod.kubeconfig,
    oidcIssuerUrl: prod.oidcIssuerUrl,
    clusterOidcProviderArn: prod.oidcProviderArn,
};

const payroll = new eksma.WorkloadAccount("payroll", {
    ...onProd,
    sharedChainingRoleName: prod.sharedChainingRoleName,
    sharedChainingRoleArn: prod.sharedChainingRoleArn,
    sharedChainingRoleUniqueId: prod.sharedChainingRoleUniqueId,
    account: workloadAccount,
    name: "payroll",
    identity: "podIdentityChain",
    useSharedChainingRole: true,
    quota: { cpu: "16", memory: "64Gi", pods: 100 },
    serviceAccounts: [
        { name: "payroll-app", managedPolicyArns: ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"] },
        { name: "payroll-batch", identity: "irsa" },
    ],
}, { dependsOn: [prod] });

const reporter = new eksma.CrossAccountRole("reporter", {
    ...onProd,
    workloadAccount,
    namespace: "payroll",
    oidcProviderArn: payroll.oidcProviderArn,
    name: "reporter",
    identity: "irsa",
    policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::payroll-reports/*" }],
    }),
}, { dependsOn: [payroll] });

const prodSubnets = new eksma.SharedSubnets("prodSubnets", {
    owner: clusterAccount,
    subnetCount: 2,
    subnetIds: prod.privateSubnetIds,
    subnetArns: prod.privateSubnetArns,
    principals: [workloadAccount.accountId],
});

export const clusterArn = prod.clusterArn;
export const payrollRoles = payroll.roleArns;
export const reporterRole = reporter.roleArn;
export const sharedSubnetIds = prodSubnets.subnetIds;
