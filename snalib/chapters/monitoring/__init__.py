"""Monitoring: XmR statistical process control charts by week, month or quarter."""
