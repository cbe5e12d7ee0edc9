"""Personal calendar feeds (ICS): the meetings and shifts of a person, for their phone's agenda."""
