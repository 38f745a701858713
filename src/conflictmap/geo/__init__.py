"""Places: the embedded gazetteer, geopy geocoders, the geoparser and filling uploaded places."""
