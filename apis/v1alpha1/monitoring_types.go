package v1alpha1

// MonitoringSpec is alerting, log retention and the cost budget.
type MonitoringSpec struct {
	// AlarmEmails receive every alarm (each address confirms the SNS
	// subscription once).
	// +kubebuilder:validation:MaxItems=10
	// +kubebuilder:validation:items:Pattern=`^[^@\s]+@[^@\s]+\.[^@\s]+$`
	// +kubebuilder:validation:items:MaxLength=254
	// +optional
	AlarmEmails []string `json:"alarmEmails,omitempty"`

	// AlarmWebhooks are HTTPS endpoints (PagerDuty, Opsgenie, Slack
	// relays) that receive every alarm.
	// +kubebuilder:validation:MaxItems=10
	// +kubebuilder:validation:items:Pattern=`^https://[^\s]+$`
	// +kubebuilder:validation:items:MaxLength=2048
	// +optional
	AlarmWebhooks []string `json:"alarmWebhooks,omitempty"`

	// LogRetentionDays keeps the logs of the API, the Lambdas and the
	// database (PCI DSS 10.5.1 asks for a year).
	// +kubebuilder:default=365
	// +kubebuilder:validation:Enum=1;3;5;7;14;30;60;90;120;150;180;365;400;545;731;1096;1827;2192;2557;2922;3288;3653
	// +optional
	LogRetentionDays int `json:"logRetentionDays,omitempty"`

	// BudgetMonthlyUSD warns (a Warning and status.estimatedMonthlyCostUsd)
	// when the estimated monthly cost at maximum capacity exceeds it.
	// +kubebuilder:default=3000
	// +kubebuilder:validation:Minimum=0
	// +optional
	BudgetMonthlyUSD int `json:"budgetMonthlyUsd,omitempty"`

	// Thresholds of the alarms.
	// +kubebuilder:default={}
	// +optional
	Thresholds AlarmThresholds `json:"thresholds,omitempty"`
}

// AlarmThresholds override the alarm thresholds.
type AlarmThresholds struct {
	// ALBLatencySeconds: average target response time.
	// +kubebuilder:default=1
	// +kubebuilder:validation:Minimum=0.1
	// +kubebuilder:validation:XValidation:rule="self >= 0.1",message="spec.monitoring.thresholds.albLatencySeconds must be at least 0.1"
	// +optional
	ALBLatencySeconds float64 `json:"albLatencySeconds,omitempty"`
	// ALB5xxPerMinute: target 5xx responses a minute.
	// +kubebuilder:default=10
	// +kubebuilder:validation:Minimum=1
	// +optional
	ALB5xxPerMinute int `json:"alb5xxPerMinute,omitempty"`
	// LambdaErrorsPerMinute: errors of the payment API a minute.
	// +kubebuilder:default=10
	// +kubebuilder:validation:Minimum=1
	// +optional
	LambdaErrorsPerMinute int `json:"lambdaErrorsPerMinute,omitempty"`
	// LambdaThrottlesPerMinute: throttled invocations a minute.
	// +kubebuilder:default=1
	// +kubebuilder:validation:Minimum=1
	// +optional
	LambdaThrottlesPerMinute int `json:"lambdaThrottlesPerMinute,omitempty"`
	// AuroraCPUPercent: cluster CPU.
	// +kubebuilder:default=80
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=100
	// +optional
	AuroraCPUPercent int `json:"auroraCpuPercent,omitempty"`
	// AuroraACUPercent: ACU utilization (share of maxCapacity in use).
	// +kubebuilder:default=90
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=100
	// +optional
	AuroraACUPercent int `json:"auroraAcuPercent,omitempty"`
	// DMSCDCLatencySeconds: replication lag behind the source.
	// +kubebuilder:default=60
	// +kubebuilder:validation:Minimum=1
	// +optional
	DMSCDCLatencySeconds int `json:"dmsCdcLatencySeconds,omitempty"`
}

// CostEstimate is an estimated monthly cost in USD.
type CostEstimate struct {
	// Min at minimum capacity (Aurora at minCapacity, provisioned
	// concurrency at min).
	Min int `json:"min"`
	// Max at maximum capacity.
	Max int `json:"max"`
	// PriceTable names the prices used (region and date).
	// +optional
	PriceTable string `json:"priceTable,omitempty"`
	// ExtendedSupport is what RDS Extended Support adds once the Aurora
	// major leaves standard support (not in Min and Max).
	// +optional
	ExtendedSupport *ExtendedSupportEstimate `json:"extendedSupport,omitempty"`
}
