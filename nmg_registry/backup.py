"""The JSON format of `manage.py backup_registry`: Django's own, read back by `loaddata`,
with two differences that keep a restored registry identical to the one backed up.

- A history row may point at a row that is gone (the history of a deleted account keeps its
  id, as simple-history means it to). With natural keys Django's serializer then fails the
  whole dump; such a reference is written as the id it holds, which `loaddata` reads as any
  reference that is not a natural key.
- Django's JSON encoder cuts times to milliseconds; here they keep their microseconds, as the
  database holds them."""

import datetime

from django.core.exceptions import ObjectDoesNotExist
from django.core.serializers import json
from django.core.serializers.json import DjangoJSONEncoder

FORMAT = "registry-json"


class ExactTimeEncoder(DjangoJSONEncoder):
    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time) and o.microsecond:
            text = o.isoformat()
            return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text
        return super().default(o)


class Serializer(json.Serializer):
    def _init_options(self):
        super()._init_options()
        self.json_kwargs["cls"] = ExactTimeEncoder

    def handle_fk_field(self, obj, field):
        try:
            super().handle_fk_field(obj, field)
        except ObjectDoesNotExist:
            self._current[field.name] = self._value_from_field(obj, field)


Deserializer = json.Deserializer
