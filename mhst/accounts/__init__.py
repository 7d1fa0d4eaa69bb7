"""Users, roles, sign-in and sign-out, and the administrator's user pages."""
