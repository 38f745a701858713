"""Articles to events: reading, sentences, places and their roles, dates, types, actors, deaths."""
