"""Letters to families, GPs and schools: templates an administrator edits, produced as
PDFs and kept on the child's record (issue 15, part 4)."""
