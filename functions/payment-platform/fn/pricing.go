package fn

import (
	"maps"
	"slices"
)

// The price table of the cost estimate (cost.go): every price the estimate
// uses, in one place.
//
// Source: the public AWS pricing pages for US East (Ohio) us-east-2, whose
// list prices for these services are the same as US East (N. Virginia)
// us-east-1:
//
//	https://aws.amazon.com/vpc/pricing/                (NAT gateway, public IPv4)
//	https://aws.amazon.com/rds/aurora/pricing/         (Serverless v2 ACU, storage, I/O)
//	https://aws.amazon.com/dms/pricing/                (replication instances, storage)
//	https://aws.amazon.com/elasticloadbalancing/pricing/
//	https://aws.amazon.com/lambda/pricing/             (x86, provisioned concurrency)
//	https://aws.amazon.com/waf/pricing/
//	https://aws.amazon.com/route53/pricing/            (hosted zones, health checks, Resolver endpoints)
//	https://aws.amazon.com/transit-gateway/pricing/
//	https://aws.amazon.com/vpn/pricing/                (Site-to-Site VPN connections)
//	https://aws.amazon.com/kms/pricing/
//	https://aws.amazon.com/secrets-manager/pricing/
//	https://aws.amazon.com/cloudwatch/pricing/
//	https://aws.amazon.com/xray/pricing/
//
// These are on-demand LIST prices in USD as published on those pages as of
// PricesAsOf, written down from the author's knowledge of the pages at that
// date: they were not fetched from AWS (nor from the Price List API) when
// this file was written. No free tier, credits, Savings Plans, reserved
// capacity, taxes or support are applied. AWS changes prices: refresh every
// value against the pages (or the Price List API) before relying on an
// estimate, and bump PricesAsOf. Check the DMS instance prices first: they
// are the least certain here (third-party summaries quote $0.19-$0.23 an
// hour for dms.r5.large).
const (
	// PricesAsOf is when the prices below were taken.
	PricesAsOf = "2025-01"
	// PriceTableName names the table in status.estimatedMonthlyCostUsd.
	PriceTableName = "aws-list-prices us-east-2/us-east-1 " + PricesAsOf
)

// Prices is one region's price table. Hourly prices are per hour, monthly
// ones per month of 730 hours.
type Prices struct {
	// VPC
	NATGatewayHour    float64 // per NAT gateway-hour
	NATGatewayGB      float64 // per GB processed by a NAT gateway
	PublicIPv4Hour    float64 // per in-use public IPv4 address-hour (each NAT gateway's EIP)
	EndpointENIHour   float64 // interface VPC endpoint, per endpoint per AZ (ENI) per hour; gateway endpoints are free
	EndpointGB        float64 // data processed by interface VPC endpoints, per GB
	TGWAttachmentHour float64 // Transit Gateway, per VPC attachment-hour
	TGWDataGB         float64 // Transit Gateway, per GB processed
	VPNConnectionHour float64 // Site-to-Site VPN, per connection-hour
	DataTransferOutGB float64 // data transfer out of AWS to the internet (the VPN's traffic), per GB
	ResolverENIHour   float64 // Route 53 Resolver endpoint, per ENI (IP address)-hour
	ResolverQueriesM  float64 // Route 53 Resolver queries through an endpoint, per million
	AuroraACUHour     float64 // Aurora PostgreSQL Serverless v2, Aurora Standard: per ACU-hour
	// RDS Extended Support of Aurora PostgreSQL Serverless v2, years 1 and
	// 2, per ACU-hour (year 3 doubles it): as uncertain as the DMS prices,
	// check it first (a third-party summary quotes $0.085).
	ExtendedSupportACUHour float64
	AuroraStorageGB        float64 // Aurora Standard storage, per GB-month
	AuroraIOMillion        float64 // Aurora Standard I/O, per million requests
	DMSStorageGB           float64 // DMS gp2 storage beyond the included amount, per GB-month (x2 for Multi-AZ)
	ALBHour                float64 // Application Load Balancer, per ALB-hour
	ALBLCUHour             float64 // per LCU-hour
	LambdaRequestsM        float64 // Lambda, per million requests
	LambdaGBSecond         float64 // Lambda x86 on-demand duration, per GB-second
	LambdaPCGBSecond       float64 // provisioned concurrency kept warm, per GB-second
	LambdaPCDurationGB     float64 // duration of invocations served by provisioned concurrency, per GB-second
	WAFWebACLMonth         float64 // WAF web ACL, per month
	WAFRuleMonth           float64 // per rule (a managed rule group counts as one rule), per month
	WAFRequestsM           float64 // per million requests inspected
	Route53ZoneMonth       float64 // per hosted zone-month (first 25 zones)
	Route53QueriesM        float64 // standard (and weighted) queries, per million
	// Route 53 health checks, per health check-month. Calculated and
	// CloudWatch-metric checks are billed as basic AWS-endpoint checks.
	HealthCheckAWS           float64 // basic check of an AWS endpoint (the ALB), calculated or metric
	HealthCheckNonAWS        float64 // basic check of a non-AWS endpoint (the old system)
	HealthCheckFeatureAWS    float64 // each optional feature (HTTPS, fast interval, ...) on an AWS endpoint
	HealthCheckFeatureNonAWS float64 // each optional feature on a non-AWS endpoint
	KMSKeyMonth              float64 // customer-managed KMS key, per month
	KMSRequests10K           float64 // symmetric KMS requests, per 10,000
	SecretMonth              float64 // Secrets Manager, per secret-month
	SecretRequests10K        float64 // Secrets Manager API calls, per 10,000
	AlarmMonth               float64 // CloudWatch standard-resolution metric alarm, per month
	DashboardMonth           float64 // CloudWatch dashboard, per month
	CustomMetricMonth        float64 // CloudWatch custom metric (first 10,000), per metric-month
	LogsIngestGB             float64 // CloudWatch Logs ingestion (standard class, and vended VPC flow logs first tier), per GB
	LogsStorageGB            float64 // CloudWatch Logs archived storage, per GB-month (compressed)
	XRayTracesM              float64 // X-Ray traces recorded, per million
	// DMSInstanceHour is the single-AZ hourly price of each replication
	// instance class (Multi-AZ is twice it).
	DMSInstanceHour map[string]float64
	// DMSIncludedStorageGB is the gp2 storage included with a class family
	// at no charge: 50 GB for burstable t3, 100 GB for c and r classes.
	DMSIncludedStorageGB map[string]int
}

// usEast are the list prices of us-east-2 (Ohio), identical to us-east-1 (N.
// Virginia) for every item here, as of PricesAsOf.
var usEast = Prices{
	NATGatewayHour:           0.045,
	EndpointENIHour:          0.01,
	EndpointGB:               0.01,
	NATGatewayGB:             0.045,
	PublicIPv4Hour:           0.005,
	TGWAttachmentHour:        0.05,
	TGWDataGB:                0.02,
	VPNConnectionHour:        0.05,
	DataTransferOutGB:        0.09,
	ResolverENIHour:          0.125,
	ResolverQueriesM:         0.40,
	AuroraACUHour:            0.12,
	ExtendedSupportACUHour:   0.10,
	AuroraStorageGB:          0.10,
	AuroraIOMillion:          0.20,
	DMSStorageGB:             0.115,
	ALBHour:                  0.0225,
	ALBLCUHour:               0.008,
	LambdaRequestsM:          0.20,
	LambdaGBSecond:           0.0000166667,
	LambdaPCGBSecond:         0.0000041667,
	LambdaPCDurationGB:       0.0000097222,
	WAFWebACLMonth:           5.00,
	WAFRuleMonth:             1.00,
	WAFRequestsM:             0.60,
	Route53ZoneMonth:         0.50,
	Route53QueriesM:          0.40,
	HealthCheckAWS:           0.50,
	HealthCheckNonAWS:        0.75,
	HealthCheckFeatureAWS:    1.00,
	HealthCheckFeatureNonAWS: 2.00,
	KMSKeyMonth:              1.00,
	KMSRequests10K:           0.03,
	SecretMonth:              0.40,
	SecretRequests10K:        0.05,
	AlarmMonth:               0.10,
	DashboardMonth:           3.00,
	CustomMetricMonth:        0.30,
	LogsIngestGB:             0.50,
	LogsStorageGB:            0.03,
	XRayTracesM:              5.00,
	// The classes the XRD pattern allows that DMS sells and whose price
	// this table knows, single-AZ. The c6i and r6i generations are listed
	// at the hourly price of the c5 and r5 class of the same size.
	// dms.c7i.* and dms.r7i.* are not here: this table has no price for
	// them that it could vouch for. The pattern's other combinations
	// (dms.t3.xlarge, dms.c5.8xlarge, dms.r5.micro...) are not DMS classes.
	// For a class missing here EstimateCost returns an error naming it
	// rather than guessing.
	DMSInstanceHour: map[string]float64{
		"dms.t3.micro":  0.018,
		"dms.t3.small":  0.036,
		"dms.t3.medium": 0.073,
		"dms.t3.large":  0.146,

		"dms.c5.large":    0.154,
		"dms.c5.xlarge":   0.308,
		"dms.c5.2xlarge":  0.616,
		"dms.c5.4xlarge":  1.232,
		"dms.c5.12xlarge": 3.696,
		"dms.c5.24xlarge": 7.392,

		"dms.c6i.large":    0.154,
		"dms.c6i.xlarge":   0.308,
		"dms.c6i.2xlarge":  0.616,
		"dms.c6i.4xlarge":  1.232,
		"dms.c6i.8xlarge":  2.464,
		"dms.c6i.12xlarge": 3.696,
		"dms.c6i.16xlarge": 4.928,
		"dms.c6i.24xlarge": 7.392,

		"dms.r5.large":    0.21,
		"dms.r5.xlarge":   0.42,
		"dms.r5.2xlarge":  0.84,
		"dms.r5.4xlarge":  1.68,
		"dms.r5.8xlarge":  3.36,
		"dms.r5.12xlarge": 5.04,
		"dms.r5.16xlarge": 6.72,
		"dms.r5.24xlarge": 10.08,

		"dms.r6i.large":    0.21,
		"dms.r6i.xlarge":   0.42,
		"dms.r6i.2xlarge":  0.84,
		"dms.r6i.4xlarge":  1.68,
		"dms.r6i.8xlarge":  3.36,
		"dms.r6i.12xlarge": 5.04,
		"dms.r6i.16xlarge": 6.72,
		"dms.r6i.24xlarge": 10.08,
	},
	DMSIncludedStorageGB: map[string]int{"t3": 50, "c5": 100, "c6i": 100, "r5": 100, "r6i": 100},
}

// priceTables are the regions the table covers.
var priceTables = map[string]*Prices{
	"us-east-1": &usEast,
	"us-east-2": &usEast,
}

// PricesFor returns the price table of a region, and whether there is one.
func PricesFor(region string) (*Prices, bool) {
	p, ok := priceTables[region]
	return p, ok
}

// PricedRegions lists the regions the price table covers, sorted.
func PricedRegions() []string { return slices.Sorted(maps.Keys(priceTables)) }

// PricedDMSClasses lists the DMS classes the price table covers, sorted.
func (p *Prices) PricedDMSClasses() []string { return slices.Sorted(maps.Keys(p.DMSInstanceHour)) }
