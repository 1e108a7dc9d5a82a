/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bs-chart-theme.c: charts in step with the window's light or dark style. */
#include "bs-chart-theme.h"

#define STYLE_KEY "bs-chart-theme-style"

/* The desktop's own preference, as it was before the setting overrode it. */
static gboolean system_prefers_dark;
static gboolean system_preference_known;

BsChartTheme
bs_chart_theme_current (void)
{
  GtkSettings *settings = gtk_settings_get_default ();
  g_autofree char *name = NULL;
  gboolean dark = FALSE;

  if (settings == NULL)
    return BS_CHART_THEME_LIGHT;
  g_object_get (settings, "gtk-application-prefer-dark-theme", &dark, "gtk-theme-name", &name,
                NULL);
  if (name != NULL && (g_str_has_suffix (name, "-dark") || g_str_has_suffix (name, ":dark")))
    dark = TRUE;
  return dark ? BS_CHART_THEME_DARK : BS_CHART_THEME_LIGHT;
}

static void
redraw_all (GtkWidget *widget)
{
  gtk_widget_queue_draw (widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    redraw_all (child);
}

static void
on_settings_changed (GtkSettings *settings, GParamSpec *pspec, GtkWidget *owner)
{
  BsChartStyle *style = g_object_get_data (G_OBJECT (owner), STYLE_KEY);

  if (style->theme != BS_CHART_THEME_DEMO)
    bs_chart_style_init (style, bs_chart_theme_current ());
  redraw_all (owner);
}

void
bs_chart_theme_follow (GtkWidget *owner, BsChartStyle *style)
{
  GtkSettings *settings = gtk_settings_get_default ();

  bs_chart_style_init (style, bs_chart_theme_current ());
  if (settings == NULL)
    return;
  g_object_set_data (G_OBJECT (owner), STYLE_KEY, style);
  g_signal_connect_object (settings, "notify::gtk-application-prefer-dark-theme",
                           G_CALLBACK (on_settings_changed), owner, 0);
  g_signal_connect_object (settings, "notify::gtk-theme-name", G_CALLBACK (on_settings_changed),
                           owner, 0);
}

void
bs_chart_theme_apply_setting (const char *theme)
{
  GtkSettings *settings = gtk_settings_get_default ();

  if (settings == NULL)
    return;
  if (!system_preference_known)
    {
      g_object_get (settings, "gtk-application-prefer-dark-theme", &system_prefers_dark, NULL);
      system_preference_known = TRUE;
    }
  g_object_set (settings, "gtk-application-prefer-dark-theme",
                g_strcmp0 (theme, "dark") == 0
                  || (g_strcmp0 (theme, "light") != 0 && system_prefers_dark),
                NULL);
}
