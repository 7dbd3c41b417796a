"""`{% scroll_table %}`: the one home of the registry's scrollable table or its empty state.

    {% load registry_tables %}
    {% scroll_table profile.groups as group caption_id="groups-caption" %}
      <caption id="groups-caption">…</caption><thead>…</thead>
    {% rows %}
      <tr>… {{ group.name }} …</tr>
    {% empty %}
      <p class="empty-state">No mirror group recorded yet.</p>
    {% endscroll_table %}

With rows, the caption and head, then one body row per item, are wrapped in
`includes/scroll_table.html` (a keyboard-scrollable region labelled by the caption);
without rows, only the empty part is shown.
"""

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

register = template.Library()


class ScrollTableNode(template.Node):
    def __init__(self, rows, name, options, head, body, empty):
        self.rows, self.name, self.options = rows, name, options
        self.head, self.body, self.empty = head, body, empty

    def render(self, context):
        rows = list(self.rows.resolve(context) or ())
        if not rows:
            return self.empty.render(context)
        options = {key: value.resolve(context) for key, value in self.options.items()}
        body = []
        for row in rows:
            with context.push(**{self.name: row}):
                body.append(self.body.render(context))
        return render_to_string(
            "includes/scroll_table.html",
            {
                "caption_id": options["caption_id"],
                "table_class": options.get("table_class", "table"),
                # Both parts are rendered (and so escaped) template output.
                "head": mark_safe(self.head.render(context)),
                "body": mark_safe("".join(body)),
            },
        )


@register.tag
def scroll_table(parser, token):
    """Parse `{% scroll_table ROWS as NAME caption_id=… [table_class=…] %}` up to its end tag."""
    bits = token.split_contents()
    if len(bits) < 5 or bits[2] != "as":
        raise template.TemplateSyntaxError(
            "scroll_table takes: ROWS as NAME caption_id=… [table_class=…]"
        )
    options = template.base.token_kwargs(bits[4:], parser)
    if "caption_id" not in options or len(options) != len(bits) - 4:
        raise template.TemplateSyntaxError(
            "scroll_table needs caption_id=… and only keyword options"
        )
    head = parser.parse(("rows",))
    parser.delete_first_token()
    body = parser.parse(("empty",))
    parser.delete_first_token()
    empty = parser.parse(("endscroll_table",))
    parser.delete_first_token()
    return ScrollTableNode(parser.compile_filter(bits[1]), bits[3], options, head, body, empty)
