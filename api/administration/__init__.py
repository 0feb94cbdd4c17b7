"""What an administrator does, in domain words, each change recorded with the administrator as actor:
the admin API and the console both call these, so neither holds a second copy of a rule."""
