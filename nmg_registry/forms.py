"""Forms of the core registry."""

from django import forms

from nmg_registry.models import ApiToken


class ApiTokenForm(forms.Form):
    """The name of a new API token; the service checks it is the user's only live one."""

    name = forms.CharField(
        label="Token name",
        max_length=ApiToken._meta.get_field("name").max_length,
        help_text="Name the client that will use it, e.g. “Power BI report”, to tell tokens apart.",
        error_messages={"required": "Give the token a name."},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
