# the key is switched off by the value given here, not only by the default
create_key = false
