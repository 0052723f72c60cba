package mockengine

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// outputsFunc fills in what AWS would return for one resource type. It gets
// the resource (inputs, placement, URN) and the outputs so far (the inputs
// echoed), adds to them, and returns the physical ID.
type outputsFunc func(f *fab) string

// fab is the state of fabricating one resource's outputs.
type fab struct {
	r   *Resource
	out resource.PropertyMap
}

func (f *fab) set(key string, v any) { f.out[resource.PropertyKey(key)] = resource.NewPropertyValue(v) }

func (f *fab) input(key string) string { return str(f.r.Inputs[resource.PropertyKey(key)]) }

// name returns the physical name: the name input when given, else the
// logical name with a deterministic suffix, as Pulumi's auto-naming would
// add a random one. It records the name as an output.
func (f *fab) name() string {
	n := f.input("name")
	if n == "" {
		n = f.r.Name + "-" + f.hex("name", 7)
	}
	f.set("name", n)
	return n
}

// hex returns n lowercase hex digits derived from the URN and a salt.
func (f *fab) hex(salt string, n int) string { return digest(n, f.r.URN, "|", salt) }

func (f *fab) partition() string { return partitionOf(f.r.Region) }

// arn formats an ARN in the resource's partition, region and account.
func (f *fab) arn(service, res string) string {
	return "arn:" + f.partition() + ":" + service + ":" + f.r.Region + ":" + f.r.Account + ":" + res
}

// globalARN formats an ARN of a global service (IAM): no region.
func (f *fab) globalARN(service, res string) string {
	return "arn:" + f.partition() + ":" + service + "::" + f.r.Account + ":" + res
}

// digest returns n lowercase hex digits of the SHA-256 of the parts
// joined, and of the hash of that hash when n is over 64, and so on.
func digest(n int, parts ...string) string {
	var buf [512]byte
	joined := buf[:0]
	for _, p := range parts {
		joined = append(joined, p...)
	}
	sum := sha256.Sum256(joined)
	out := make([]byte, 0, n+len(sum)*2)
	for len(out) < n {
		out = hex.AppendEncode(out, sum[:])
		sum = sha256.Sum256(sum[:])
	}
	return string(out[:n])
}

// ec2ID returns an EC2-style ID such as vpc-0a1b2c3d4e5f60718.
func (f *fab) ec2ID(prefix string) string { return prefix + "-0" + f.hex("id", 16) }

func (f *fab) uuid() string {
	h := f.hex("uuid", 32)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// ec2 returns the outputs function of an EC2 resource with an ID prefix and
// an ARN resource type.
func ec2(prefix, arnType string) outputsFunc {
	return func(f *fab) string {
		id := f.ec2ID(prefix)
		if arnType != "" {
			f.set("arn", f.arn("ec2", arnType+"/"+id))
		}
		return id
	}
}

// eksChild returns the outputs function of a resource that EKS names under
// a cluster, with its ARN in the given output key.
func eksChild(arnKey, arnType, nameKey string) outputsFunc {
	return func(f *fab) string {
		cluster := f.input("clusterName")
		name := f.input(nameKey)
		f.set(arnKey, f.arn("eks", fmt.Sprintf("%s/%s/%s/%s", arnType, cluster, name, f.uuid())))
		return cluster + ":" + name
	}
}

// tgwLink is the ID of a transit gateway route table's association or
// propagation: <route table>_<attachment>.
func tgwLink(f *fab) string {
	return f.input("transitGatewayRouteTableId") + "_" + f.input("transitGatewayAttachmentId")
}

// outputsByType holds what AWS returns for every resource type the library
// creates. A type missing here still gets a deterministic ID.
var outputsByType = map[string]outputsFunc{
	"aws:iam/role:Role": func(f *fab) string {
		name := f.name()
		path := f.input("path")
		if path == "" {
			path = "/"
		}
		f.set("path", path)
		f.set("arn", f.globalARN("iam", "role"+path+name))
		f.set("uniqueId", "AROA"+strings.ToUpper(f.hex("uniqueId", 17)))
		return name
	},
	"aws:iam/rolePolicy:RolePolicy": func(f *fab) string {
		return f.input("role") + ":" + f.name()
	},
	"aws:iam/rolePolicyAttachment:RolePolicyAttachment": func(f *fab) string {
		return f.input("role") + "-" + f.hex("id", 8)
	},
	"aws:iam/openIdConnectProvider:OpenIdConnectProvider": func(f *fab) string {
		arn := f.globalARN("iam", "oidc-provider/"+strings.TrimPrefix(f.input("url"), "https://"))
		f.set("arn", arn)
		return arn
	},
	"aws:ec2/vpc:Vpc": func(f *fab) string {
		id := f.ec2ID("vpc")
		f.set("arn", f.arn("ec2", "vpc/"+id))
		f.set("defaultSecurityGroupId", f.ec2ID("sg"))
		f.set("mainRouteTableId", f.ec2ID("rtb"))
		f.set("ownerId", f.r.Account)
		return id
	},
	"aws:ec2/subnet:Subnet": func(f *fab) string {
		id := f.ec2ID("subnet")
		f.set("arn", f.arn("ec2", "subnet/"+id))
		f.set("ownerId", f.r.Account)
		return id
	},
	"aws:ec2/internetGateway:InternetGateway":             ec2("igw", "internet-gateway"),
	"aws:ec2/natGateway:NatGateway":                       ec2("nat", "natgateway"),
	"aws:ec2/routeTable:RouteTable":                       ec2("rtb", "route-table"),
	"aws:ec2/routeTableAssociation:RouteTableAssociation": ec2("rtbassoc", ""),
	"aws:ec2/securityGroup:SecurityGroup":                 ec2("sg", "security-group"),
	// Transit gateways and their parts, as EC2 names them.
	"aws:ec2transitgateway/transitGateway:TransitGateway": ec2("tgw", "transit-gateway"),
	"aws:ec2transitgateway/vpcAttachment:VpcAttachment":   ec2("tgw-attach", "transit-gateway-attachment"),
	"aws:ec2transitgateway/routeTable:RouteTable":         ec2("tgw-rtb", "transit-gateway-route-table"),
	// An accepter is the attachment it accepts, as the provider's ID says;
	// an association or propagation is its route table and attachment.
	"aws:ec2transitgateway/vpcAttachmentAccepter:VpcAttachmentAccepter": func(f *fab) string {
		return f.input("transitGatewayAttachmentId")
	},
	"aws:ec2transitgateway/routeTableAssociation:RouteTableAssociation": tgwLink,
	"aws:ec2transitgateway/routeTablePropagation:RouteTablePropagation": tgwLink,
	"aws:ec2/eip:Eip": func(f *fab) string {
		id := f.ec2ID("eipalloc")
		f.set("allocationId", id)
		f.set("publicIp", fmt.Sprintf("203.0.113.%d", 1+int(f.hex("ip", 2)[0])%250))
		return id
	},
	"aws:ec2/launchTemplate:LaunchTemplate": func(f *fab) string {
		id := f.ec2ID("lt")
		f.name()
		f.set("arn", f.arn("ec2", "launch-template/"+id))
		f.set("latestVersion", 1)
		f.set("defaultVersion", 1)
		return id
	},
	"aws:kms/key:Key": func(f *fab) string {
		id := f.uuid()
		f.set("keyId", id)
		f.set("arn", f.arn("kms", "key/"+id))
		return id
	},
	"aws:kms/alias:Alias": func(f *fab) string {
		name := f.name()
		f.set("arn", f.arn("kms", name))
		return name
	},
	"aws:eks/addon:Addon":                   eksChild("arn", "addon", "addonName"),
	"aws:eks/nodeGroup:NodeGroup":           eksChild("arn", "nodegroup", "nodeGroupName"),
	"aws:eks/fargateProfile:FargateProfile": eksChild("arn", "fargateprofile", "fargateProfileName"),
	"aws:eks/podIdentityAssociation:PodIdentityAssociation": func(f *fab) string {
		cluster := f.input("clusterName")
		id := "a-" + f.hex("assoc", 17)
		f.set("associationId", id)
		f.set("associationArn", f.arn("eks", "podidentityassociation/"+cluster+"/"+id))
		return cluster + "," + id
	},
	"aws:eks/accessEntry:AccessEntry": func(f *fab) string {
		cluster, principal := f.input("clusterName"), f.input("principalArn")
		f.set("accessEntryArn", f.arn("eks", "access-entry/"+cluster+"/role/"+f.r.Account+"/"+f.uuid()))
		return cluster + ":" + principal
	},
	"aws:eks/accessPolicyAssociation:AccessPolicyAssociation": func(f *fab) string {
		return f.input("clusterName") + "#" + f.input("principalArn") + "#" + f.input("policyArn")
	},
	"aws:ram/resourceShare:ResourceShare": func(f *fab) string {
		arn := f.arn("ram", "resource-share/"+f.uuid())
		f.set("arn", arn)
		return arn
	},
	"aws:ram/resourceAssociation:ResourceAssociation": func(f *fab) string {
		return f.input("resourceShareArn") + "," + f.input("resourceArn")
	},
	"aws:ram/principalAssociation:PrincipalAssociation": func(f *fab) string {
		return f.input("resourceShareArn") + "," + f.input("principal")
	},
	"aws:ram/sharingWithOrganization:SharingWithOrganization": func(f *fab) string {
		return f.r.Account
	},
	"aws:organizations/policy:Policy": func(f *fab) string {
		id := "p-" + f.hex("policy", 8)
		f.set("arn", fmt.Sprintf("arn:%s:organizations::%s:policy/o-%s/service_control_policy/%s", f.partition(), f.r.Account, digest(10, f.r.Account), id))
		return id
	},
	"aws:organizations/policyAttachment:PolicyAttachment": func(f *fab) string {
		return f.input("targetId") + ":" + f.input("policyId")
	},
	"aws:s3/bucketV2:BucketV2": func(f *fab) string {
		name := f.input("bucket")
		if name == "" {
			name = f.r.Name + "-" + f.hex("bucket", 7)
		}
		f.set("bucket", name)
		f.set("arn", fmt.Sprintf("arn:%s:s3:::%s", f.partition(), name))
		return name
	},
	"aws:dynamodb/table:Table": func(f *fab) string {
		name := f.name()
		f.set("arn", f.arn("dynamodb", "table/"+name))
		return name
	},
	"aws:rds/subnetGroup:SubnetGroup": func(f *fab) string {
		name := f.name()
		f.set("arn", f.arn("rds", "subgrp:"+name))
		return name
	},
	"eks:index:Cluster": clusterOutputs,
}

// fabricate returns the ID and outputs AWS would give r.
func fabricate(r *Resource) (string, resource.PropertyMap, error) {
	f := &fab{r: r, out: r.Inputs.Copy()}
	switch {
	case r.IsProvider():
		return f.uuid(), f.out, nil
	case strings.HasPrefix(r.Type, "kubernetes:"):
		return kubernetesID(r), f.out, nil
	case !r.Custom && !r.Remote:
		return "", f.out, nil
	}
	fn, ok := outputsByType[r.Type]
	if !ok {
		return f.r.Name + "-" + f.hex("id", 8), f.out, nil
	}
	return fn(f), f.out, nil
}

// kubernetesID is the ID the Kubernetes provider gives an object:
// namespace/name for namespaced objects, name otherwise.
func kubernetesID(r *Resource) string {
	meta := r.Inputs["metadata"]
	if !meta.IsObject() {
		return r.Name
	}
	m := meta.ObjectValue()
	name, ns := str(m["name"]), str(m["namespace"])
	if name == "" {
		name = r.Name
	}
	if ns == "" {
		return name
	}
	return ns + "/" + name
}

// withTagsAll adds tagsAll (the provider's default tags merged under the
// resource's own tags) to the outputs of a taggable AWS resource.
func withTagsAll(out resource.PropertyMap, defaults map[string]string) {
	var own resource.PropertyMap
	if tags := out["tags"]; tags.IsObject() {
		own = tags.ObjectValue()
	}
	if len(defaults) == 0 && len(own) == 0 {
		return
	}
	all := make(resource.PropertyMap, len(defaults)+len(own))
	for k, v := range defaults {
		all[resource.PropertyKey(k)] = resource.NewProperty(v)
	}
	for k, v := range own {
		all[k] = resource.NewProperty(str(v))
	}
	out["tagsAll"] = resource.NewProperty(all)
}
