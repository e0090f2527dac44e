package commands

import "context"

// commonZones are offered by time zone autocomplete; any other valid IANA name typed in full is
// accepted too (the list keeps the binary free of a zone directory scan).
func commonZones() []string {
	return []string{
		"UTC", "Europe/London", "Europe/Dublin", "Europe/Lisbon", "Europe/Paris", "Europe/Berlin", "Europe/Madrid",
		"Europe/Rome", "Europe/Amsterdam", "Europe/Brussels", "Europe/Zurich", "Europe/Vienna", "Europe/Stockholm",
		"Europe/Oslo", "Europe/Copenhagen", "Europe/Helsinki", "Europe/Warsaw", "Europe/Prague", "Europe/Budapest",
		"Europe/Athens", "Europe/Bucharest", "Europe/Istanbul", "Europe/Kyiv", "Europe/Moscow", "Asia/Jerusalem",
		"Asia/Gaza", "Asia/Beirut", "Asia/Amman", "Asia/Damascus", "Asia/Baghdad", "Asia/Riyadh", "Asia/Qatar",
		"Asia/Dubai", "Asia/Tehran", "Africa/Cairo", "Africa/Johannesburg", "Africa/Lagos", "Africa/Nairobi",
		"Africa/Casablanca", "Asia/Karachi", "Asia/Kolkata", "Asia/Dhaka", "Asia/Kathmandu", "Asia/Bangkok",
		"Asia/Jakarta", "Asia/Singapore", "Asia/Kuala_Lumpur", "Asia/Manila", "Asia/Hong_Kong", "Asia/Shanghai",
		"Asia/Taipei", "Asia/Seoul", "Asia/Tokyo", "Australia/Perth", "Australia/Adelaide", "Australia/Brisbane",
		"Australia/Sydney", "Australia/Melbourne", "Pacific/Auckland", "Pacific/Honolulu", "America/Anchorage",
		"America/Los_Angeles", "America/Vancouver", "America/Phoenix", "America/Denver", "America/Chicago",
		"America/Mexico_City", "America/New_York", "America/Toronto", "America/Halifax", "America/Bogota",
		"America/Lima", "America/Caracas", "America/Santiago", "America/Sao_Paulo", "America/Argentina/Buenos_Aires",
		"America/St_Johns",
	}
}

// TimeZoneChoices autocompletes IANA time zones.
func TimeZoneChoices(_ context.Context, req Request) []Choice {
	zones := commonZones()
	all := make([]Choice, len(zones))
	for i, z := range zones {
		all[i] = Choice{Name: z, Value: z}
	}
	return FilterChoices(all, req.Options[req.Focused])
}
