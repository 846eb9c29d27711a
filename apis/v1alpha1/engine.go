package v1alpha1

// EngineLifecycle is one Aurora PostgreSQL major version's life cycle, as
// AWS publishes it in the Aurora PostgreSQL release calendar for major
// versions
// (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraPostgreSQLReleaseNotes/aurorapostgresql-release-calendar.html).
// Dates are YYYY-MM-DD.
type EngineLifecycle struct {
	// EndOfStandardSupport is the last day of standard support. A cluster
	// still on the major the day after is enrolled in RDS Extended Support,
	// charged per ACU-hour ("You will incur charges for all engines
	// enrolled in RDS Extended Support beginning the day after the Aurora
	// end of standard support date": Aurora user guide, "Amazon RDS
	// Extended Support charges").
	EndOfStandardSupport string
	// ExtendedSupportFrom is the first day charged (year 1 pricing).
	ExtendedSupportFrom string
	// ExtendedSupportYear3From is the first day of year 3 pricing.
	ExtendedSupportYear3From string
	// EndOfExtendedSupport is the last day AWS runs the major at all.
	EndOfExtendedSupport string
}

// AuroraPostgreSQLLifecycles are the majors spec.database.engineVersion
// allows. AWS DMS reads a PostgreSQL 14 source from DMS engine 3.4.7 and
// writes PostgreSQL 9.x-16.x targets from 3.5.3, 17.x from 3.5.4 (DMS user
// guide, "Sources for AWS DMS" and "Targets for AWS DMS"): every major here
// can take the on-prem PostgreSQL 14 database.
var AuroraPostgreSQLLifecycles = map[string]EngineLifecycle{
	"14": {EndOfStandardSupport: "2027-02-28", ExtendedSupportFrom: "2027-03-01", ExtendedSupportYear3From: "2029-03-01", EndOfExtendedSupport: "2030-02-28"},
	"15": {EndOfStandardSupport: "2028-02-29", ExtendedSupportFrom: "2028-03-01", ExtendedSupportYear3From: "2030-03-01", EndOfExtendedSupport: "2031-02-28"},
	"16": {EndOfStandardSupport: "2029-02-28", ExtendedSupportFrom: "2029-03-01", ExtendedSupportYear3From: "2031-03-01", EndOfExtendedSupport: "2032-02-28"},
	"17": {EndOfStandardSupport: "2030-02-28", ExtendedSupportFrom: "2030-03-01", ExtendedSupportYear3From: "2032-03-01", EndOfExtendedSupport: "2033-02-28"},
}

// EngineStatus is the Aurora engine the platform runs and its support
// dates.
type EngineStatus struct {
	// Version Aurora reports running (AWS applies minor upgrades itself),
	// or the claim's until the cluster exists.
	Version string `json:"version"`
	// EndOfStandardSupport of the major (YYYY-MM-DD).
	EndOfStandardSupport string `json:"endOfStandardSupport"`
	// ExtendedSupportFrom is the day RDS Extended Support charges start
	// if the cluster is still on this major.
	ExtendedSupportFrom string `json:"extendedSupportFrom"`
	// Message says what to plan for.
	Message string `json:"message"`
}

// ExtendedSupportEstimate is what RDS Extended Support would add to the
// monthly cost from the day it starts (year 1 and 2 prices), if the
// cluster is still on its major then.
type ExtendedSupportEstimate struct {
	// From is the first day charged (YYYY-MM-DD).
	From string `json:"from"`
	// Min at minimum capacity, in USD a month.
	Min int `json:"min"`
	// Max at maximum capacity, in USD a month.
	Max int `json:"max"`
}
