"""Case-management supervision: records of the cases discussed, and cases overdue one."""
