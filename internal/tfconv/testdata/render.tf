resource "aws_vpc" "vpc" {
  cidr_block = "10.20.0.0/16"
  region     = "us-east-2"
  tags = {
    "Name" = "payment-vpc-test"
  }
}

resource "aws_subnet" "subnet-app-a" {
  availability_zone = "us-east-2a"
  cidr_block        = "10.20.64.0/20"
  region            = "us-east-2"
  vpc_id            = aws_vpc.vpc.id
}

resource "aws_security_group" "sg-app" {
  description = "app: $${not a template}"
  name        = "payment-sg-app-test"
  region      = "us-east-2"
  vpc_id      = aws_vpc.vpc.id
}

resource "aws_vpc_security_group_egress_rule" "sgr-app-out-https" {
  cidr_ipv4         = "10.20.0.0/16"
  from_port         = 443
  ip_protocol       = "tcp"
  region            = "us-east-2"
  security_group_id = aws_security_group.sg-app.id
  to_port           = 443
}

resource "aws_kms_key" "kms-key" {
  enable_key_rotation = true
  region              = "us-east-2"
}

resource "aws_kms_alias" "kms-alias" {
  name          = "alias/payment-test"
  region        = "us-east-2"
  target_key_id = aws_kms_key.kms-key.id
}

resource "aws_cloudwatch_log_group" "api-log-group" {
  kms_key_id        = aws_kms_key.kms-key.arn
  name              = "/aws/lambda/payment-api-test"
  region            = "us-east-2"
  retention_in_days = 365
}

resource "aws_iam_role" "api-role" {
  assume_role_policy = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":[\"lambda.amazonaws.com\"]},\"Action\":[\"sts:AssumeRole\"]}]}"
  name               = "payment-api-role-test"
}

resource "aws_lambda_function" "api" {
  function_name = "payment-api-test"
  image_uri     = "123456789012.dkr.ecr.us-east-2.amazonaws.com/payment-api:v1"
  package_type  = "Image"
  region        = "us-east-2"
  role          = aws_iam_role.api-role.arn
  environment {
    variables = {
      "LOG_LEVEL" = "info"
    }
  }
  logging_config {
    log_format = "JSON"
    log_group  = "/aws/lambda/payment-api-test"
  }
  vpc_config {
    security_group_ids = [aws_security_group.sg-app.id]
    subnet_ids         = [aws_subnet.subnet-app-a.id]
  }
}

resource "aws_lb_listener" "listener-https" {
  certificate_arn   = "arn:aws:acm:us-east-2:123456789012:certificate/4f1c2d3e"
  load_balancer_arn = "arn:aws:elasticloadbalancing:us-east-2:123456789012:loadbalancer/app/payment-alb-test/0123"
  port              = 443
  protocol          = "HTTPS"
  region            = "us-east-2"
  default_action {
    target_group_arn = "arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/payment-api-tg-test/0123"
    type             = "forward"
  }
}

resource "aws_cloudwatch_metric_alarm" "alarm-api-errors" {
  alarm_name          = "payment-alarm-api-errors-test"
  comparison_operator = "GreaterThanOrEqualToThreshold"
  dimensions = {
    "FunctionName" = "payment-api-test"
  }
  evaluation_periods = 2
  metric_name        = "Errors"
  namespace          = "AWS/Lambda"
  period             = 60
  region             = "us-east-2"
  statistic          = "Sum"
  threshold          = 10
}

resource "aws_dms_endpoint" "dms-source-endpoint" {
  endpoint_id   = "payment-dms-source-endpoint-test"
  endpoint_type = "source"
  engine_name   = "postgres"
  password      = var.dms-source-endpoint_password
  port          = 5432
  region        = "us-east-2"
  server_name   = "pg.example.com"
  ssl_mode      = "verify-full"
  username      = "dms_replicator"
  postgres_settings {
    plugin_name = "pglogical"
  }
}

variable "dms-source-endpoint_password" {
  type      = string
  sensitive = true
}
