"""The core services: auth, teams, invites, tasks, comments. Synchronous, framework-free;
each public method is one unit of work."""
