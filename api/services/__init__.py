"""What the product does, in domain words; these modules raise errors from `api.errors`, never HTTP ones."""
