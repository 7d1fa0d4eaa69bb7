"""Sessions: 1:1 Li-CBT sessions (care contacts) and group programmes with their
sessions and attendance. Rules live in ``operations`` and ``group_operations``; routes
in ``views`` (blueprint ``sessions``) and ``group_views`` (blueprint ``groups``)."""
