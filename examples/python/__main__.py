"""The centralized model from Python: a cluster account, a tenant from a
workload account, a cross-account role, and the cluster's subnets shared
with the tenant's account. The same program as examples/yaml."""

import json

import pulumi
import eks_multi_account as eksma

config = pulumi.Config()
region = config.get("region") or "us-east-1"
deploy_role_name = config.get("deployRoleName") or "OrganizationAccountAccessRole"
cluster_account = {"account_id": config.get("clusterAccountId") or "111122223333", "region": region, "deploy_role_name": deploy_role_name}
workload_account = {"account_id": config.get("workloadAccountId") or "444455556666", "region": region, "deploy_role_name": deploy_role_name}

prod = eksma.ClusterAccount(
    "prod",
    account={**cluster_account, "default_tags": {"cost-center": "platform"}},
    cluster_name="prod",
    kubernetes_version="1.36",
    vpc_cidr="10.0.0.0/16",
    availability_zones=2,
    single_nat_gateway=True,
    node_groups=[{"name": "general", "instance_types": ["t3.large"], "min_size": 1, "max_size": 4,
                  "desired_size": config.get_int("desiredNodes") or 2}],
    endpoint_access={"public_cidrs": [config.get("publicCidr") or "203.0.113.0/24"]},
    shared_chaining_role=True,
)

# What a component placed on the cluster takes from it: its facts, known in
# a preview, and its outputs.
on_prod = {
    "cluster": prod.cluster,
    "cluster_name": prod.cluster_name,
    "kubeconfig": prod.kubeconfig,
    "oidc_issuer_url": prod.oidc_issuer_url,
    "cluster_oidc_provider_arn": prod.oidc_provider_arn,
}

payroll = eksma.WorkloadAccount(
    "payroll",
    **on_prod,
    shared_chaining_role_name=prod.shared_chaining_role_name,
    shared_chaining_role_arn=prod.shared_chaining_role_arn,
    shared_chaining_role_unique_id=prod.shared_chaining_role_unique_id,
    account=workload_account,
    name="payroll",
    identity="podIdentityChain",
    use_shared_chaining_role=True,
    quota={"cpu": "16", "memory": "64Gi", "pods": 100},
    service_accounts=[
        {"name": "payroll-app", "managed_policy_arns": ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"]},
        {"name": "payroll-batch", "identity": "irsa"},
    ],
    opts=pulumi.ResourceOptions(depends_on=[prod]),
)

reporter = eksma.CrossAccountRole(
    "reporter",
    **on_prod,
    workload_account=workload_account,
    namespace="payroll",
    oidc_provider_arn=payroll.oidc_provider_arn,
    name="reporter",
    identity="irsa",
    policy=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::payroll-reports/*"}],
    }),
    opts=pulumi.ResourceOptions(depends_on=[payroll]),
)

prod_subnets = eksma.SharedSubnets(
    "prodSubnets",
    owner=cluster_account,
    subnet_count=2,
    subnet_ids=prod.private_subnet_ids,
    subnet_arns=prod.private_subnet_arns,
    principals=[workload_account["account_id"]],
)

pulumi.export("clusterArn", prod.cluster_arn)
pulumi.export("payrollRoles", payroll.role_arns)
pulumi.export("reporterRole", reporter.role_arn)
pulumi.export("sharedSubnetIds", prod_subnets.subnet_ids)
