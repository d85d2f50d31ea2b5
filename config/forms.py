from django.forms.renderers import TemplatesSetting


class PlatformFormRenderer(TemplatesSetting):
    """Every form gets an error summary at the top and labelled fields with their errors
    next to them (templates/forms/)."""

    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"
