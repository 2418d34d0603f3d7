-- placeholder; the real prelude lands with pf_eval
return {}
