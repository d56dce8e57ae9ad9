"""Age the pediatric way: days under one month, months and days under two years,
years and months after."""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext, ngettext


def _months_between(born: date, today: date) -> tuple[int, date]:
    """Whole months from birth to today, and the date those months end on."""
    months = (today.year - born.year) * 12 + (today.month - born.month)
    if today.day < born.day:
        months -= 1
    months = max(months, 0)
    year, month = divmod(born.month - 1 + months, 12)
    year += born.year
    month += 1
    # A child born on the 31st has a "monthly birthday" on the last day of shorter months.
    day = min(born.day, _days_in_month(year, month))
    return months, date(year, month, day)


def _days_in_month(year: int, month: int) -> int:
    if month == 12:
        return 31
    return (date(year, month + 1, 1) - date(year, month, 1)).days


def age_parts(born: date, today: date) -> tuple[int, int, int]:
    """(years, months, days) completed on `today`."""
    months, anchor = _months_between(born, today)
    years, months = divmod(months, 12)
    return years, months, (today - anchor).days


def pediatric_age(born: date, today: date) -> str:
    if today < born:
        return ""
    months_total, anchor = _months_between(born, today)
    if months_total < 1:
        days = (today - born).days
        return ngettext("%(n)d day", "%(n)d days", days) % {"n": days}
    if months_total < 24:
        days = (today - anchor).days
        months = ngettext("%(n)d month", "%(n)d months", months_total) % {"n": months_total}
        if not days:
            return months
        days_text = ngettext("%(n)d day", "%(n)d days", days) % {"n": days}
        # Translators: an age such as "1 month 10 days"; Chinese joins the parts with no space.
        return gettext("%(months)s %(days)s") % {"months": months, "days": days_text}
    years, months = divmod(months_total, 12)
    text = ngettext("%(n)d year", "%(n)d years", years) % {"n": years}
    if months:
        months_text = ngettext("%(n)d month", "%(n)d months", months) % {"n": months}
        # Translators: an age such as "7 years 3 months"; Chinese joins the parts with no space.
        text = gettext("%(years)s %(months)s") % {"years": text, "months": months_text}
    return text
