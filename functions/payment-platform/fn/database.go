package fn

import (
	"github.com/acme-payments/xpaymentplatform/apis/v1alpha1"
	"github.com/crossplane/function-sdk-go/resource"
	ec2 "github.com/upbound/provider-aws/v2/apis/cluster/ec2/v1beta1"
	kms "github.com/upbound/provider-aws/v2/apis/cluster/kms/v1beta1"
	rds "github.com/upbound/provider-aws/v2/apis/cluster/rds/v1beta1"
	rdsv2 "github.com/upbound/provider-aws/v2/apis/cluster/rds/v1beta2"
	secretsmanagerv2 "github.com/upbound/provider-aws/v2/apis/cluster/secretsmanager/v1beta2"
	"k8s.io/utils/ptr"
)

// databaseResources composes Aurora PostgreSQL Serverless v2: a subnet group on the
// data subnets, a parameter group enforcing TLS, the cluster (encrypted
// with the platform key, master password generated and kept by RDS in
// Secrets Manager under the same key, Data API and IAM auth on, logs to
// CloudWatch), one db.serverless instance per AZ, the postgresql log group
// with the claim's retention, the 30-day rotation of the master secret once
// RDS has created it, and the Usages that order deletion.
func databaseResources(p *Plan) []Desired {
	d := p.Spec.Database
	prod := p.Spec.IsProd()
	dev := p.Spec.Environment == "dev"

	cluster := &rdsv2.Cluster{Spec: rdsv2.ClusterSpec{ForProvider: rdsv2.ClusterParameters{
		Engine:     ptr.To(AuroraEngine),
		EngineMode: ptr.To("provisioned"),
		Serverlessv2ScalingConfiguration: &rdsv2.Serverlessv2ScalingConfigurationParameters{
			MinCapacity: ptr.To(d.MinCapacity),
			MaxCapacity: ptr.To(d.MaxCapacity),
		},
		DatabaseName:                        ptr.To(d.DatabaseName),
		MasterUsername:                      ptr.To(d.MasterUsername),
		ManageMasterUserPassword:            ptr.To(true),
		MasterUserSecretKMSKeyIDSelector:    p.Sel(ResKMSKey),
		StorageEncrypted:                    ptr.To(true),
		KMSKeyIDSelector:                    p.Sel(ResKMSKey),
		DBSubnetGroupNameSelector:           p.Sel(ResDBSubnetGroup),
		DBClusterParameterGroupNameSelector: p.Sel(ResDBClusterParams),
		VPCSecurityGroupIDSelector:          p.Sel(ResSGDatabase),
		Port:                                ptr.To(float64(PostgresPort)),
		EnableHTTPEndpoint:                  ptr.To(true),
		IAMDatabaseAuthenticationEnabled:    ptr.To(true),
		EnabledCloudwatchLogsExports:        []*string{ptr.To("postgresql")},
		BackupRetentionPeriod:               ptr.To(float64(d.BackupRetentionDays)),
		PreferredBackupWindow:               ptr.To(d.BackupWindow),
		PreferredMaintenanceWindow:          ptr.To(d.MaintenanceWindow),
		CopyTagsToSnapshot:                  ptr.To(true),
		DeletionProtection:                  d.DeletionProtection,
		SkipFinalSnapshot:                   ptr.To(dev),
		AllowMajorVersionUpgrade:            ptr.To(false),
		ApplyImmediately:                    ptr.To(!prod),
	}}}
	// The version is set at creation (initProvider: upjet adds it to
	// Terraform's ignore_changes while forProvider lacks it). AWS applies
	// minor upgrades itself (autoMinorVersionUpgrade on the instances), so
	// a version in forProvider would soon be below the running one: the
	// claim's version goes there only to ask for an upgrade above what runs.
	cluster.Spec.InitProvider.EngineVersion = ptr.To(d.EngineVersion)
	if p.EngineUpgradeWanted() {
		cluster.Spec.ForProvider.EngineVersion = ptr.To(d.EngineVersion)
	}
	if !dev {
		cluster.Spec.ForProvider.FinalSnapshotIdentifier = ptr.To(p.DBClusterIdentifier() + "-final")
	}

	var out []Desired
	if subnets := p.TierSubnetIDs(TierData); subnets != nil {
		out = append(out, Desired{
			Name: ResDBSubnetGroup,
			Object: &rds.SubnetGroup{Spec: rds.SubnetGroupSpec{ForProvider: rds.SubnetGroupParameters{
				Description: ptr.To("Aurora on the data subnets of payment-" + p.Spec.EnvironmentSuffix),
				SubnetIds:   subnets,
			}}},
		})
	}
	out = append(out, []Desired{
		{
			Name: ResDBClusterParams,
			Object: &rds.ClusterParameterGroup{Spec: rds.ClusterParameterGroupSpec{ForProvider: rds.ClusterParameterGroupParameters{
				Family:      ptr.To("aurora-postgresql" + d.EngineMajor()),
				Description: ptr.To("TLS-only Aurora PostgreSQL " + d.EngineMajor() + " for payment-" + p.Spec.EnvironmentSuffix),
				Parameter: []rds.ClusterParameterGroupParameterParameters{
					{Name: ptr.To("rds.force_ssl"), Value: ptr.To("1"), ApplyMethod: ptr.To("pending-reboot")},
					{Name: ptr.To("log_min_duration_statement"), Value: ptr.To("1000"), ApplyMethod: ptr.To("immediate")},
					{Name: ptr.To("log_connections"), Value: ptr.To("1"), ApplyMethod: ptr.To("immediate")},
				},
			}}},
		},
		{Name: ResAurora, Object: cluster},
		LogGroup(p, ResDBLogGroup, "/aws/rds/cluster/"+p.DBClusterIdentifier()+"/postgresql", p.LogRetentionDays()),
	}...)
	// One instance per AZ, in AZ order: the first is the preferred writer.
	for i, az := range p.AZs[:d.Instances] {
		inst := &rds.ClusterInstance{Spec: rds.ClusterInstanceSpec{ForProvider: rds.ClusterInstanceParameters{
			ClusterIdentifierSelector:  p.Sel(ResAurora),
			Engine:                     ptr.To(AuroraEngine),
			InstanceClass:              ptr.To("db.serverless"),
			AvailabilityZone:           ptr.To(az.Name),
			PubliclyAccessible:         ptr.To(false),
			AutoMinorVersionUpgrade:    ptr.To(true),
			PromotionTier:              ptr.To(float64(i)),
			PerformanceInsightsEnabled: d.PerformanceInsights,
		}}}
		if *d.PerformanceInsights {
			inst.Spec.ForProvider.PerformanceInsightsKMSKeyID = p.KMSKeyARN()
			inst.Spec.ForProvider.PerformanceInsightsRetentionPeriod = ptr.To(float64(PerformanceInsights))
		}
		var waits []resource.Name
		if *d.PerformanceInsights {
			waits = p.waitsForKey()
		}
		// With zone IDs the zone's name is known once AWS reports it for
		// the zone's data subnet (an Aurora instance takes a name only).
		if az.Name == "" {
			waits = append(waits, SubnetName(TierData, az))
		}
		out = append(out, Desired{Name: AuroraInstanceName(az), Object: inst, WaitsFor: waits})
	}
	// The master secret exists once RDS has created the cluster; until then
	// its rotation waits (the status says so).
	if arn := p.DBSecretARN(); arn != "" {
		out = append(out, Desired{
			Name: ResDBSecretRotation,
			Object: &secretsmanagerv2.SecretRotation{Spec: secretsmanagerv2.SecretRotationSpec{ForProvider: secretsmanagerv2.SecretRotationParameters{
				SecretID:      ptr.To(arn),
				RotationRules: &secretsmanagerv2.RotationRulesParameters{AutomaticallyAfterDays: ptr.To(float64(SecretRotationDays))},
			}}},
		})
	}
	out = append(out,
		p.Usage("usage-aurora-kms-key", ResKMSKey, &kms.Key{}, ResAurora, cluster),
		p.Usage("usage-aurora-sg-database", ResSGDatabase, &ec2.SecurityGroup{}, ResAurora, cluster),
	)
	out = append(out, p.Usage("usage-aurora-subnet-group", ResDBSubnetGroup, &rds.SubnetGroup{}, ResAurora, cluster))
	return out
}

// database is Aurora; the status shows its endpoints and ARNs (the secret's
// ARN only, never a value).
func database(p *Plan) Part {
	d := p.View.Database
	return Part{Resources: databaseResources(p), Status: v1alpha1.XPaymentPlatformStatus{
		DBClusterEndpoint: d.Endpoint, DBReaderEndpoint: d.ReaderEndpoint, DBClusterARN: d.ClusterARN, DBSecretARN: d.SecretARN,
		DBEngine: p.engineStatus(),
	}}
}

// engineStatus is the engine running (or asked for, until Aurora reports
// one) and its major's support dates.
func (p *Plan) engineStatus() *v1alpha1.EngineStatus {
	d := p.Spec.Database
	lc, ok := v1alpha1.AuroraPostgreSQLLifecycles[d.EngineMajor()]
	if !ok {
		return nil
	}
	version := orPattern(p.View.Database.EngineVersionActual, d.EngineVersion)
	return &v1alpha1.EngineStatus{
		Version: version, EndOfStandardSupport: lc.EndOfStandardSupport, ExtendedSupportFrom: lc.ExtendedSupportFrom,
		Message: "Aurora PostgreSQL " + d.EngineMajor() + " has standard support until " + lc.EndOfStandardSupport +
			"; a cluster still on it from " + lc.ExtendedSupportFrom + " is charged RDS Extended Support (status.costEstimate.extendedSupport)" +
			" until a blue/green major version upgrade",
	}
}
