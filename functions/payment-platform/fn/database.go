package fn

import (
	"github.com/acme-payments/xpaymentplatform/apis/v1alpha1"
	ec2 "github.com/upbound/provider-aws/v2/apis/cluster/ec2/v1beta1"
	kms "github.com/upbound/provider-aws/v2/apis/cluster/kms/v1beta1"
	rds "github.com/upbound/provider-aws/v2/apis/cluster/rds/v1beta1"
	rdsv2 "github.com/upbound/provider-aws/v2/apis/cluster/rds/v1beta2"
	secretsmanagerv2 "github.com/upbound/provider-aws/v2/apis/cluster/secretsmanager/v1beta2"
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
		Engine:        ptr(AuroraEngine),
		EngineMode:    ptr("provisioned"),
		EngineVersion: ptr(d.EngineVersion),
		Serverlessv2ScalingConfiguration: &rdsv2.Serverlessv2ScalingConfigurationParameters{
			MinCapacity: ptr(d.MinCapacity),
			MaxCapacity: ptr(d.MaxCapacity),
		},
		DatabaseName:                        ptr(d.DatabaseName),
		MasterUsername:                      ptr(d.MasterUsername),
		ManageMasterUserPassword:            ptr(true),
		MasterUserSecretKMSKeyIDSelector:    p.Sel(ResKMSKey),
		StorageEncrypted:                    ptr(true),
		KMSKeyIDSelector:                    p.Sel(ResKMSKey),
		DBSubnetGroupNameSelector:           p.Sel(ResDBSubnetGroup),
		DBClusterParameterGroupNameSelector: p.Sel(ResDBClusterParams),
		VPCSecurityGroupIDSelector:          p.Sel(ResSGDatabase),
		Port:                                ptr(float64(PostgresPort)),
		EnableHTTPEndpoint:                  ptr(true),
		IAMDatabaseAuthenticationEnabled:    ptr(true),
		EnabledCloudwatchLogsExports:        []*string{ptr("postgresql")},
		BackupRetentionPeriod:               ptr(float64(d.BackupRetentionDays)),
		PreferredBackupWindow:               ptr(d.BackupWindow),
		PreferredMaintenanceWindow:          ptr(d.MaintenanceWindow),
		CopyTagsToSnapshot:                  ptr(true),
		DeletionProtection:                  d.DeletionProtection,
		SkipFinalSnapshot:                   ptr(dev),
		AllowMajorVersionUpgrade:            ptr(false),
		ApplyImmediately:                    ptr(!prod),
	}}}
	if !dev {
		cluster.Spec.ForProvider.FinalSnapshotIdentifier = ptr(p.DBClusterIdentifier() + "-final")
	}

	out := []Desired{
		{
			Name: ResDBSubnetGroup,
			Object: &rds.SubnetGroup{Spec: rds.SubnetGroupSpec{ForProvider: rds.SubnetGroupParameters{
				Description:      ptr("Aurora on the data subnets of payment-" + p.Spec.EnvironmentSuffix),
				SubnetIDSelector: p.SelTier(TierData),
			}}},
		},
		{
			Name: ResDBClusterParams,
			Object: &rds.ClusterParameterGroup{Spec: rds.ClusterParameterGroupSpec{ForProvider: rds.ClusterParameterGroupParameters{
				Family:      ptr("aurora-postgresql" + d.EngineMajor()),
				Description: ptr("TLS-only Aurora PostgreSQL " + d.EngineMajor() + " for payment-" + p.Spec.EnvironmentSuffix),
				Parameter: []rds.ClusterParameterGroupParameterParameters{
					{Name: ptr("rds.force_ssl"), Value: ptr("1"), ApplyMethod: ptr("pending-reboot")},
					{Name: ptr("log_min_duration_statement"), Value: ptr("1000"), ApplyMethod: ptr("immediate")},
					{Name: ptr("log_connections"), Value: ptr("1"), ApplyMethod: ptr("immediate")},
				},
			}}},
		},
		{Name: ResAurora, Object: cluster},
		LogGroup(p, ResDBLogGroup, "/aws/rds/cluster/"+p.DBClusterIdentifier()+"/postgresql", p.LogRetentionDays()),
	}
	// One instance per AZ, in AZ order: the first is the preferred writer.
	for i, az := range p.AZs[:d.Instances] {
		inst := &rds.ClusterInstance{Spec: rds.ClusterInstanceSpec{ForProvider: rds.ClusterInstanceParameters{
			ClusterIdentifierSelector:  p.Sel(ResAurora),
			Engine:                     ptr(AuroraEngine),
			InstanceClass:              ptr("db.serverless"),
			AvailabilityZone:           ptr(az.Name),
			PubliclyAccessible:         ptr(false),
			AutoMinorVersionUpgrade:    ptr(true),
			PromotionTier:              ptr(float64(i)),
			PerformanceInsightsEnabled: d.PerformanceInsights,
		}}}
		if *d.PerformanceInsights {
			inst.Spec.ForProvider.PerformanceInsightsKMSKeyIDSelector = p.Sel(ResKMSKey)
			inst.Spec.ForProvider.PerformanceInsightsRetentionPeriod = ptr(float64(PerformanceInsights))
		}
		out = append(out, Desired{Name: AuroraInstanceName(az), Object: inst})
	}
	// The master secret exists once RDS has created the cluster; until then
	// its rotation waits (the status says so).
	if arn := p.DBSecretARN(); arn != "" {
		out = append(out, Desired{
			Name: ResDBSecretRotation,
			Object: &secretsmanagerv2.SecretRotation{Spec: secretsmanagerv2.SecretRotationSpec{ForProvider: secretsmanagerv2.SecretRotationParameters{
				SecretID:      ptr(arn),
				RotationRules: &secretsmanagerv2.RotationRulesParameters{AutomaticallyAfterDays: ptr(float64(SecretRotationDays))},
			}}},
		})
	}
	out = append(out,
		p.Usage("usage-aurora-subnet-group", ResDBSubnetGroup, &rds.SubnetGroup{}, ResAurora, cluster),
		p.Usage("usage-aurora-kms-key", ResKMSKey, &kms.Key{}, ResAurora, cluster),
		p.Usage("usage-aurora-sg-database", ResSGDatabase, &ec2.SecurityGroup{}, ResAurora, cluster),
	)
	return out
}

// database is Aurora; the status shows its endpoints and ARNs (the secret's
// ARN only, never a value).
func database(p *Plan) Part {
	d := p.View.Database
	return Part{Resources: databaseResources(p), Status: v1alpha1.XPaymentPlatformStatus{
		DBClusterEndpoint: d.Endpoint, DBReaderEndpoint: d.ReaderEndpoint, DBClusterARN: d.ClusterARN, DBSecretARN: d.SecretARN,
	}}
}
