"""The top-level fields of a hotel dump line that staging types, by JSON type (contract: ratehawk-api.md)."""

STR_FIELDS = (
    "id", "name", "kind", "address", "postal_code", "phone", "email", "hotel_chain",
    "check_in_time", "check_out_time", "front_desk_time_start", "front_desk_time_end",
    "metapolicy_extra_info",
)  # fmt: skip
BOOL_FIELDS = ("is_closed", "deleted", "is_gender_specification_required")
LIST_FIELDS = ("room_groups", "amenity_groups", "images_ext", "description_struct", "payment_methods",
               "serp_filters")  # fmt: skip
DICT_FIELDS = ("region", "facts", "metapolicy_struct")
FACT_FIELDS = ("floors_number", "rooms_number", "year_built", "year_renovated")
RG_EXT_FIELDS = ("class", "quality", "sex", "bathroom", "bedding", "family", "capacity", "club", "bedrooms",
                 "balcony", "view", "floor")  # fmt: skip
# Fields the platform models; any other field of a line is kept as JSON in `extra`.
KNOWN_FIELDS = frozenset(
    ("hid", "star_rating", "latitude", "longitude", "star_certificate", *STR_FIELDS, *BOOL_FIELDS,
     *LIST_FIELDS, *DICT_FIELDS)
)  # fmt: skip
