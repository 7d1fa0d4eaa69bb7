"""The public pages for families (issue 16): the list of participating schools and the
local support directory. No account; nothing of any child's record, and no staff
member's name."""
