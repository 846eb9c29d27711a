# METADATA
# title: Helpers for the payment platform's custom checks
# description: |
#   The custom checks read the Terraform JSON rendition of a render
#   (hack/tf writes terraform.json beside main.tf): {"resource": {type:
#   {label: arguments}}}, nested blocks as arrays of objects, references
#   as "${type.label.attribute}".
# scope: package
# custom:
#   input:
#     selector:
#       - type: json
package lib.payments

import rego.v1

# The resources of a type, by label.
resources(t) := object.get(object.get(input, "resource", {}), t, {})

# The address of a resource.
address(t, label) := sprintf("%s.%s", [t, label])

# The label of the resource of type t that a reference "${t.label.attr}"
# names (undefined for anything else).
ref_label(v, t) := label if {
	is_string(v)
	startswith(v, "${")
	endswith(v, "}")
	parts := split(trim_suffix(trim_prefix(v, "${"), "}"), ".")
	count(parts) == 3
	parts[0] == t
	label := parts[1]
}

# The attribute a reference names.
ref_attr(v) := attr if {
	is_string(v)
	startswith(v, "${")
	endswith(v, "}")
	parts := split(trim_suffix(trim_prefix(v, "${"), "}"), ".")
	count(parts) == 3
	attr := parts[2]
}

# The first block of a nested block type, or {}.
block(r, name) := b if {
	bs := object.get(r, name, [])
	is_array(bs)
	count(bs) > 0
	b := bs[0]
} else := {}

# A value as an array.
as_array(v) := v if is_array(v)

else := [v]

# A string attribute that is set (non-empty).
set_string(r, name) if {
	v := object.get(r, name, "")
	is_string(v)
	v != ""
}
